using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The routes tools call besides generating: token counting, one model, the model list in each
/// provider's shape, unknown paths, and the query string on the way upstream.
/// </summary>
public sealed class ProviderRoutesTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static HttpRequestMessage Request(HttpMethod method, string path, string key, bool anthropic, string? body = null) =>
        ProviderRequest.Create(method, path, key, anthropic, body);

    private HttpClient Http() => new() { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Count_tokens_is_forwarded_and_audited_at_zero_cost_even_when_the_cap_is_spent()
    {
        var key = await fixture.Admin.CreateKeyAsync("cora", 0.0002m);
        using var http = Http();
        const string Body = """{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"how many tokens is this?"}]}""";

        using (var counted = await http.SendAsync(Request(HttpMethod.Post, "/v1/messages/count_tokens", key.Key, anthropic: true, Body)))
        {
            Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
            var tokens = (await JsonAsync(counted)).GetProperty("input_tokens").GetInt64();
            Assert.True(tokens > 0);

            var row = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count == 1, TimeSpan.FromSeconds(10), "the count's row"));
            Assert.Equal(("completed", "/v1/messages/count_tokens", "claude-haiku-4-5"), (row.Outcome, row.Endpoint, row.Model));
            Assert.Equal((tokens, 0L, 0L, 0L, true), (row.InputTokens, row.OutputTokens, row.CostMicros, row.ReservedMicros, row.UsageReported));
        }

        // Spend the cap (158 of 200 micro-dollars), then the next message is refused but counting still works.
        using (var spent = await http.SendAsync(Request(HttpMethod.Post, "/v1/messages", key.Key, anthropic: true,
            """{"model":"claude-haiku-4-5","max_tokens":30,"messages":[{"role":"user","content":"hi"}]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, spent.StatusCode);
        }

        await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId), k => k.GetProperty("spentMicros").GetInt64() == 158, TimeSpan.FromSeconds(10), "the message's charge");
        using (var refused = await http.SendAsync(Request(HttpMethod.Post, "/v1/messages", key.Key, anthropic: true,
            """{"model":"claude-haiku-4-5","max_tokens":30,"messages":[{"role":"user","content":"hi"}]}""")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        using (var again = await http.SendAsync(Request(HttpMethod.Post, "/v1/messages/count_tokens", key.Key, anthropic: true, Body)))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var key2 = await fixture.Admin.GetKeyAsync(key.KeyId);
        Assert.Equal(158, key2.GetProperty("spentMicros").GetInt64());

        // A model the key may not use is refused for counting too, and a bad key is a 401 in Anthropic's format.
        var narrow = await fixture.Admin.CreateKeyAsync("cora", 1m, ["gpt-*"]);
        using (var forbidden = await http.SendAsync(Request(HttpMethod.Post, "/v1/messages/count_tokens", narrow.Key, anthropic: true, Body)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using var unknown = await http.SendAsync(Request(HttpMethod.Post, "/v1/messages/count_tokens", "gw_nosuchkey_secret", anthropic: true, Body));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("error", (await JsonAsync(unknown)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_model_is_answered_on_its_own_and_the_list_in_each_providers_shape()
    {
        var key = await fixture.Admin.CreateKeyAsync("milo", 1m, ["claude-*", "gpt-4o-mini"]);
        using var http = Http();

        using (var openai = await http.SendAsync(Request(HttpMethod.Get, "/v1/models/gpt-4o-mini", key.Key, anthropic: false)))
        {
            Assert.Equal(HttpStatusCode.OK, openai.StatusCode);
            var model = await JsonAsync(openai);
            Assert.Equal(("gpt-4o-mini", "model"), (model.GetProperty("id").GetString(), model.GetProperty("object").GetString()));
        }

        using (var anthropic = await http.SendAsync(Request(HttpMethod.Get, "/v1/models/claude-haiku-4-5", key.Key, anthropic: true)))
        {
            Assert.Equal(HttpStatusCode.OK, anthropic.StatusCode);
            var model = await JsonAsync(anthropic);
            Assert.Equal(("claude-haiku-4-5", "model"), (model.GetProperty("id").GetString(), model.GetProperty("type").GetString()));
            Assert.Equal(JsonValueKind.String, model.GetProperty("created_at").ValueKind);
        }

        // Priced but not allowed to this key, and not priced at all: both 404 in the caller's format.
        foreach (var (id, anthropic) in new[] { ("gpt-4o", false), ("no-such-model", false), ("gpt-4o", true) })
        {
            using var missing = await http.SendAsync(Request(HttpMethod.Get, "/v1/models/" + id, key.Key, anthropic));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            var error = await JsonAsync(missing);
            Assert.Equal(anthropic ? "not_found_error" : "invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        }

        using (var list = await http.SendAsync(Request(HttpMethod.Get, "/v1/models", key.Key, anthropic: true)))
        {
            var body = await JsonAsync(list);
            var ids = body.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
            Assert.Contains("claude-haiku-4-5", ids);
            Assert.Contains("gpt-4o-mini", ids);
            Assert.DoesNotContain("gpt-4o", ids);
            Assert.All(body.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("type").GetString()));
            Assert.False(body.GetProperty("has_more").GetBoolean());
            Assert.Equal(ids[0], body.GetProperty("first_id").GetString());
            Assert.Equal(ids[^1], body.GetProperty("last_id").GetString());
        }

        using (var list = await http.SendAsync(Request(HttpMethod.Get, "/v1/models", key.Key, anthropic: false)))
        {
            Assert.Equal("list", (await JsonAsync(list)).GetProperty("object").GetString());
        }

        using var unauthenticated = await http.SendAsync(Request(HttpMethod.Get, "/v1/models/gpt-4o-mini", "gw_nosuchkey_secret", anthropic: true));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal("authentication_error", (await JsonAsync(unauthenticated)).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_in_the_callers_format()
    {
        var key = await fixture.Admin.CreateKeyAsync("ugo", 1m);
        using var http = Http();

        using (var openai = await http.SendAsync(Request(HttpMethod.Post, "/v1/nothing/here", key.Key, anthropic: false, "{}")))
        {
            Assert.Equal(HttpStatusCode.NotFound, openai.StatusCode);
            var error = (await JsonAsync(openai)).GetProperty("error");
            Assert.Equal("unknown_url", error.GetProperty("code").GetString());
            Assert.Contains("/v1/nothing/here", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var anthropic = await http.SendAsync(Request(HttpMethod.Get, "/v1/messages/batches", key.Key, anthropic: true)))
        {
            Assert.Equal(HttpStatusCode.NotFound, anthropic.StatusCode);
            var body = await JsonAsync(anthropic);
            Assert.Equal(("error", "not_found_error"), (body.GetProperty("type").GetString(), body.GetProperty("error").GetProperty("type").GetString()));
        }

        using var outside = await http.GetAsync("/nothing");
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal("application/problem+json", outside.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_query_string_reaches_the_upstream_as_sent()
    {
        var key = await fixture.Admin.CreateKeyAsync("quin", 1m);
        using var http = Http();
        var marker = Guid.NewGuid().ToString("N");

        using var response = await http.SendAsync(Request(HttpMethod.Post, "/v1/messages?beta=true&x=a%20b", key.Key, anthropic: true,
            $$"""{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"{{marker}}"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(await fixture.Simulator.RequestsAsync(marker));
        Assert.Equal(("/v1/messages", "?beta=true&x=a%20b"), (seen.Path, seen.Query));
    }
}
