using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>The proxy over raw HTTP: both wire formats, bad input, cut streams, hidden usage chunks.</summary>
public sealed class ProxyBehaviourTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static HttpRequestMessage Post(string path, string key, string body, bool anthropic = false) =>
        ProviderRequest.Create(HttpMethod.Post, path, key, anthropic, body);

    private HttpClient Http() => new() { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };

    [Fact]
    public async Task Anthropic_message_and_stream_are_audited_with_the_usage_the_provider_reported()
    {
        var key = await fixture.Admin.CreateKeyAsync("anna", 5m);
        using var http = Http();

        using var plain = await http.SendAsync(Post("/v1/messages", key.Key, """{"model":"claude-haiku-4-5","max_tokens":30,"messages":[{"role":"user","content":"hi"}]}""", anthropic: true));
        var message = JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        var usage = message.GetProperty("usage");

        using var streamed = await http.SendAsync(Post("/v1/messages", key.Key, """{"model":"claude-haiku-4-5","max_tokens":30,"stream":true,"messages":[{"role":"user","content":"hi"}]}""", anthropic: true));
        var events = await streamed.Content.ReadAsStringAsync();
        Assert.Contains("event: message_stop", events, StringComparison.Ordinal);

        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count == 2, TimeSpan.FromSeconds(10), "two ledger rows");
        Assert.All(rows, r => Assert.Equal(("completed", "anthropic", "/v1/messages", true), (r.Outcome, r.Provider, r.Endpoint, r.UsageReported)));
        // Rows are in settlement order, which need not be request order.
        var plainRow = Assert.Single(rows, r => !r.Streaming);
        var streamedRow = Assert.Single(rows, r => r.Streaming);
        // "hi" is 8 input tokens to the simulator, and both answers stop at max_tokens, 30.
        Assert.Equal((8, 30), (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64()));
        Assert.Equal((8, 30), (plainRow.InputTokens, plainRow.OutputTokens));
        Assert.Equal((8, 30), (streamedRow.InputTokens, streamedRow.OutputTokens));

        // claude-haiku-4-5: $1 in, $5 out per million, 1 and 5 micro-dollars a token: 8 x 1 + 30 x 5 = 158.
        Assert.All(rows, r => Assert.Equal(158, r.CostMicros));
    }

    [Fact]
    public async Task Stream_without_include_usage_hides_the_usage_chunk_yet_is_charged_from_it()
    {
        var key = await fixture.Admin.CreateKeyAsync("hugo", 5m);
        using var http = Http();

        using var response = await http.SendAsync(Post("/v1/chat/completions", key.Key, """{"model":"gpt-4o-mini","max_tokens":20,"stream":true,"messages":[{"role":"user","content":"hi"}]}"""));
        var stream = await response.Content.ReadAsStringAsync();

        Assert.Contains("data: [DONE]", stream, StringComparison.Ordinal);
        Assert.DoesNotContain("\"choices\":[]", stream, StringComparison.Ordinal);
        var row = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "ledger row"));
        Assert.True(row.UsageReported);
        Assert.Equal(20, row.OutputTokens);
        Assert.True(row.CostMicros > 0);
    }

    [Fact]
    public async Task Stream_cut_midway_is_recorded_as_upstream_error_and_charged_for_what_was_seen()
    {
        var key = await fixture.Admin.CreateKeyAsync("ivan", 5m);
        using var http = Http();

        try
        {
            using var response = await http.SendAsync(Post("/v1/chat/completions", key.Key,
                """{"model":"gpt-4o-mini","max_tokens":200,"stream":true,"messages":[{"role":"user","content":"[sim:tokens=100] [sim:cut=3]"}]}"""),
                HttpCompletionOption.ResponseHeadersRead);
            var partial = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("[DONE]", partial, StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            // The gateway passes the broken stream on as broken: the client must not think it complete.
        }

        var row = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "ledger row"));
        Assert.Equal("upstream_error", row.Outcome);
        Assert.False(row.UsageReported);
        Assert.True(row.OutputTokens > 0, "the tokens seen before the cut are counted");
        Assert.True(row.InputTokens > 0);
        Assert.True(row.CostMicros > 0 && row.CostMicros <= row.ReservedMicros);
        var state = await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId), s => s.GetProperty("spentMicros").GetInt64() >= row.CostMicros, TimeSpan.FromSeconds(10), "spend to include the row");
        Assert.Equal(row.CostMicros, state.GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task Upstream_error_is_passed_through_and_audited_at_no_cost()
    {
        var key = await fixture.Admin.CreateKeyAsync("jade", 5m);
        using var http = Http();

        using var response = await http.SendAsync(Post("/v1/chat/completions", key.Key, """{"model":"gpt-4o-mini","max_tokens":20,"messages":[{"role":"user","content":"[sim:error=500]"}]}"""));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("error", out _));
        var row = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "ledger row"));
        Assert.Equal(("upstream_error", 500, 0L), (row.Outcome, row.HttpStatus, row.CostMicros));
    }

    [Theory]
    [InlineData("/v1/chat/completions", false, "{not json", 400)]
    [InlineData("/v1/chat/completions", false, """{"messages":[]}""", 400)]
    [InlineData("/v1/chat/completions", false, """{"model":"no-such-model","messages":[{"role":"user","content":"x"}]}""", 404)]
    [InlineData("/v1/messages", true, "{not json", 400)]
    [InlineData("/v1/messages", true, """{"model":"no-such-model","max_tokens":5,"messages":[]}""", 404)]
    public async Task Bad_requests_get_a_precise_status_in_the_callers_format_and_never_reach_the_model(string path, bool anthropic, string body, int status)
    {
        var key = await fixture.Admin.CreateKeyAsync("kim", 5m);
        using var http = Http();
        var before = await fixture.Simulator.RequestCountAsync();

        using var response = await http.SendAsync(Post(path, key.Key, body, anthropic));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(status, (int)response.StatusCode);
        if (anthropic)
        {
            Assert.Equal("error", json.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetProperty("message").GetString()));
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetProperty("message").GetString()));
        }

        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Fact]
    public async Task Body_over_the_limit_is_refused_with_413()
    {
        var key = await fixture.Admin.CreateKeyAsync("liam", 5m);
        using var http = Http();
        var huge = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('a', 17 * 1024 * 1024) + "\"}]}";

        using var response = await http.SendAsync(Post("/v1/chat/completions", key.Key, huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Models_lists_what_the_key_may_use()
    {
        var key = await fixture.Admin.CreateKeyAsync("mia", 5m, ["claude-*"]);
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);

        using var response = await http.SendAsync(request);
        var ids = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();

        Assert.Contains("claude-haiku-4-5", ids);
        Assert.All(ids, id => Assert.StartsWith("claude-", id, StringComparison.Ordinal));
        using var anonymous = await http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Provider_key_replaces_the_gateway_key_upstream()
    {
        // The simulator refuses anything but the provider key (SimulatorServer.ProviderKey), so a
        // completed request proves the swap; the gateway key must not be the one it saw.
        var key = await fixture.Admin.CreateKeyAsync("nora", 5m);
        using var http = Http();
        using var response = await http.SendAsync(Post("/v1/chat/completions", key.Key, """{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
