using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <summary>GET /sim/requests: what reached the simulator, headers and body, for tests of what a gateway forwards.</summary>
public sealed class RequestsTests
{
    private static async Task<JsonArray> RequestsAsync(RunningSimulator simulator, string query = "")
    {
        using var response = await simulator.Client.GetAsync("/sim/requests" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).AsArray();
    }

    [Fact]
    public async Task Each_request_is_recorded_with_its_headers_query_and_body_newest_first()
    {
        await using var simulator = await RunningSimulator.StartAsync();

        using var first = await simulator.Client.PostJsonAsync("/v1/chat/completions?beta=true",
            new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "first-marker")) }, ("X-Custom", "one"), ("X-Custom", "two"));
        using var second = await simulator.Client.PostJsonAsync("/v1/messages",
            new JsonObject { ["model"] = "sim-large", ["max_tokens"] = 4, ["messages"] = TestTokens.Messages(("user", "second-marker")) }, ("anthropic-beta", "b1"));

        var all = await RequestsAsync(simulator);
        Assert.Equal(["/v1/messages", "/v1/chat/completions"], all.Select(r => r!["path"]!.GetValue<string>()));
        var chat = all[1]!;
        Assert.Equal("POST", chat["method"]!.GetValue<string>());
        Assert.Equal("?beta=true", chat["query"]!.GetValue<string>());
        // HttpClient sends the two values on one line, and that is what arrived.
        Assert.Equal(["one, two"], chat["headers"]!["x-custom"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(["application/json; charset=utf-8"], chat["headers"]!["content-type"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Contains("first-marker", chat["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(chat["bodyTruncated"]!.GetValue<bool>());
        Assert.True(all[0]!["sequence"]!.GetValue<long>() > chat["sequence"]!.GetValue<long>());

        var found = Assert.Single(await RequestsAsync(simulator, "?contains=second-marker"));
        Assert.Equal(["b1"], found!["headers"]!["anthropic-beta"]!.AsArray().Select(v => v!.GetValue<string>()));
        using var last = await simulator.Client.GetAsync("/sim/requests/last");
        Assert.Equal("/v1/messages", (await last.JsonAsync())["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task Only_the_configured_number_and_bytes_are_kept_and_reset_clears_them()
    {
        await using var simulator = await RunningSimulator.StartAsync(o => (o.RecordedRequests, o.RecordedBodyBytes) = (2, 10));

        for (var i = 0; i < 3; i++)
        {
            using var response = await simulator.Client.PostJsonAsync(
                "/v1/embeddings", new JsonObject { ["model"] = "text-embedding-3-small", ["input"] = $"input {i}" });
        }

        var kept = await RequestsAsync(simulator);
        Assert.Equal(2, kept.Count);
        Assert.All(kept, r => Assert.Equal(10, r!["body"]!.GetValue<string>().Length));
        Assert.All(kept, r => Assert.True(r!["bodyTruncated"]!.GetValue<bool>() && r["bodyBytes"]!.GetValue<long>() > 10));

        using var reset = await simulator.Client.PostAsync("/sim/requests/reset", content: null);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Empty(await RequestsAsync(simulator));
        using var none = await simulator.Client.GetAsync("/sim/requests/last");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Fact]
    public async Task Recording_can_be_switched_off()
    {
        await using var simulator = await RunningSimulator.StartAsync(o => o.RecordedRequests = 0);

        using var response = await simulator.Client.PostJsonAsync("/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "hi")) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await RequestsAsync(simulator));
    }
}
