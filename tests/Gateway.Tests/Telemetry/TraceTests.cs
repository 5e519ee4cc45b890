using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Telemetry;

/// <summary>One trace per request, from the front-end through the grains to the upstream, carrying the request id.</summary>
public sealed class TraceTests(TelemetryFixture fixture) : IClassFixture<TelemetryFixture>
{
    private const string CallerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public async Task A_request_is_one_trace_across_front_end_grains_and_upstream_with_its_request_id()
    {
        // A user in a team, so the key grain holds on both budgets above it.
        using (var team = await fixture.Admin.PostAsJsonAsync("/admin/v1/teams", new { id = "tracing", name = "Tracing" }))
        using (var user = await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = "tess", name = "Tess", teamId = "tracing" }))
        {
            Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (team.StatusCode, user.StatusCode));
        }

        var key = await fixture.Admin.CreateKeyAsync("tess", 5m);
        using var response = await SendAsync(key.Key, traceparent: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-gateway-request-id"));

        var server = await ServerSpanAsync(requestId);
        var trace = await Poll.UntilAsync(() => Task.FromResult(InTrace(server.TraceId)),
            spans => spans.Any(s => IsGrainCall(s, "Settle")) && spans.Any(s => s.Source.Name == "System.Net.Http" && s.ParentSpanId == server.SpanId),
            TimeSpan.FromSeconds(20), "the request's grain and upstream spans", Describe);

        // The key grain's calls (Begin, then Settle) under the request's span, and its holds on the user's and the team's budgets under Begin.
        var begin = Assert.Single(trace, s => IsGrainCall(s, "Begin") && s.Kind == ActivityKind.Server);
        var reserves = trace.Where(s => s.DisplayName == "IBudgetGrain/Reserve" && s.Kind == ActivityKind.Server).ToList();
        Assert.True(reserves.Count == 2 && reserves.All(r => Descends(trace, r, begin)), Describe(trace));
        // One tree, rooted at the request's span: the caller sent no traceparent.
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        Assert.True(trace.Count(s => !ids.Contains(s.ParentSpanId)) == 1 && server.ParentSpanId == default, Describe(trace));
        Assert.Equal(requestId, server.GetTagItem("gateway.request_id"));
        Assert.Equal(ActivityKind.Server, server.Kind);
    }

    [Fact]
    public async Task A_callers_traceparent_is_honoured()
    {
        var key = await fixture.Admin.CreateKeyAsync("tracy", 5m);
        using var response = await SendAsync(key.Key, $"00-{CallerTraceId}-00f067aa0ba902b7-01");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-gateway-request-id"));

        var server = await ServerSpanAsync(requestId);
        Assert.Equal(CallerTraceId, server.TraceId.ToHexString());
        Assert.Equal("00f067aa0ba902b7", server.ParentSpanId.ToHexString());
        await Poll.UntilAsync(() => Task.FromResult(InTrace(server.TraceId)), spans => spans.Any(s => IsGrainCall(s, "Settle")),
            TimeSpan.FromSeconds(20), "the key grain's settlement in the caller's trace", Describe);
    }

    /// <summary>
    /// A chat completion from a caller that traces only as <paramref name="traceparent"/> says. The
    /// test's HttpClient shares this process's listeners with the gateway: without this it would
    /// start (and propagate) a span of its own.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(string key, string? traceparent)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 20, messages = new[] { new { role = "user", content = "x" } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (traceparent is not null)
        {
            request.Headers.Add("traceparent", traceparent);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task<Activity> ServerSpanAsync(string requestId) =>
        (await Poll.UntilAsync(() => Task.FromResult(fixture.Spans.FirstOrDefault(s => (s.GetTagItem("gateway.request_id") as string) == requestId)),
            span => span is not null, TimeSpan.FromSeconds(20), $"the span of request {requestId}"))!;

    private static bool Descends(List<Activity> trace, Activity span, Activity ancestor)
    {
        for (var parent = span.ParentSpanId; ; )
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            if (trace.FirstOrDefault(s => s.SpanId == parent) is not { } next)
            {
                return false;
            }

            parent = next.ParentSpanId;
        }
    }

    private List<Activity> InTrace(ActivityTraceId traceId) => [.. fixture.Spans.Where(s => s.TraceId == traceId)];

    private static bool IsGrainCall(Activity span, string method) =>
        span.Source.Name == "Microsoft.Orleans.Application" && span.DisplayName.Contains("ApiKeyGrain", StringComparison.Ordinal)
        && span.DisplayName.EndsWith(method, StringComparison.Ordinal);

    private static string Describe(List<Activity> spans) =>
        string.Join('\n', spans.Select(s => $"{s.Source.Name} | {s.DisplayName} | {s.Kind} | {s.SpanId.ToHexString()} parent {s.ParentSpanId.ToHexString()}"));
}
