using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <summary>/_fault/{status}/ and /_fault/slow{ms}/ prefixes: a base URL that fails, for gateway upstream tests.</summary>
public sealed class FaultPrefixTests : IAsyncLifetime
{
    private RunningSimulator _simulator = null!;

    public async Task InitializeAsync() => _simulator = await RunningSimulator.StartAsync();

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    private static JsonObject Chat(string text) => new() { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", text)) };

    [Fact]
    public async Task A_status_prefix_answers_that_status_in_the_providers_format_of_the_rest_of_the_path()
    {
        using var openAi = await _simulator.Client.PostJsonAsync("/_fault/429/v1/chat/completions", Chat("fault-openai-marker"));
        using var azure = await _simulator.Client.PostJsonAsync(
            "/_fault/503/openai/deployments/x/chat/completions?api-version=2024-10-21", new JsonObject { ["messages"] = TestTokens.Messages(("user", "hi")) });
        using var azureLimited = await _simulator.Client.PostJsonAsync("/_fault/429/openai/v1/chat/completions", Chat("hi"));
        using var anthropic = await _simulator.Client.PostJsonAsync(
            "/_fault/529/v1/messages", new JsonObject { ["model"] = "claude-haiku-4-5", ["max_tokens"] = 5, ["messages"] = TestTokens.Messages(("user", "hi")) });

        Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
        Assert.Equal("1", openAi.Headers.RetryAfter!.ToString());
        var openAiError = (await openAi.JsonAsync())["error"]!;
        Assert.Equal("requests", openAiError["type"]!.GetValue<string>());
        Assert.Equal("rate_limit_exceeded", openAiError["code"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, azure.StatusCode);
        Assert.Equal("server_error", (await azure.JsonAsync())["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.TooManyRequests, azureLimited.StatusCode);
        Assert.Equal("1", azureLimited.Headers.RetryAfter!.ToString());
        Assert.Equal("429", (await azureLimited.JsonAsync())["error"]!["code"]!.GetValue<string>());

        Assert.Equal(529, (int)anthropic.StatusCode);
        var anthropicJson = await anthropic.JsonAsync();
        Assert.Equal("error", anthropicJson["type"]!.GetValue<string>());
        Assert.Equal("overloaded_error", anthropicJson["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_faulted_request_is_recorded_and_counted_but_reaches_no_endpoint()
    {
        using var reset = await _simulator.Client.PostAsync("/sim/stats/reset", content: null);
        using var response = await _simulator.Client.PostJsonAsync("/_fault/500/v1/chat/completions", Chat("fault-recorded-marker"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        using var recorded = await _simulator.Client.GetAsync("/sim/requests?contains=fault-recorded-marker");
        var request = Assert.Single((await recorded.JsonAsync()).AsArray())!;
        Assert.Equal("/_fault/500/v1/chat/completions", request["path"]!.GetValue<string>());
        Assert.Equal("500", request["fault"]!.GetValue<string>());
        using var statsResponse = await _simulator.Client.GetAsync("/sim/stats");
        var stats = await statsResponse.JsonAsync();
        Assert.Equal(1, stats["requests"]!.GetValue<long>());
        Assert.Equal(1, stats["faults"]!.GetValue<long>());
        Assert.Equal(1, stats["errors"]!.GetValue<long>());
        Assert.Equal(0, stats["chatCompletions"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_slow_prefix_holds_the_headers_back_past_a_clients_timeout_then_serves_normally()
    {
        using var impatient = new HttpClient { BaseAddress = _simulator.BaseAddress, Timeout = TimeSpan.FromMilliseconds(300) };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.PostJsonAsync("/_fault/slow30000/v1/chat/completions", Chat("too slow")));

        using var served = await _simulator.Client.PostJsonAsync("/_fault/slow10/v1/chat/completions", Chat("fault-slow-marker"));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("gpt-4o", (await served.JsonAsync())["model"]!.GetValue<string>());
        using var recorded = await _simulator.Client.GetAsync("/sim/requests?contains=fault-slow-marker");
        Assert.Equal("slow10", Assert.Single((await recorded.JsonAsync()).AsArray())!["fault"]!.GetValue<string>());
    }

    [Fact]
    public async Task Prefixes_chain_and_an_unknown_one_matches_no_route()
    {
        using var chained = await _simulator.Client.PostJsonAsync("/_fault/slow1/_fault/502/v1/chat/completions", Chat("fault-chain-marker"));
        using var unknown = await _simulator.Client.PostJsonAsync("/_fault/teapot/v1/chat/completions", Chat("hi"));
        using var outOfRange = await _simulator.Client.PostJsonAsync("/_fault/200/v1/chat/completions", Chat("hi"));

        Assert.Equal(HttpStatusCode.BadGateway, chained.StatusCode);
        using var recorded = await _simulator.Client.GetAsync("/sim/requests?contains=fault-chain-marker");
        Assert.Equal("slow1/502", Assert.Single((await recorded.JsonAsync()).AsArray())!["fault"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, outOfRange.StatusCode);
    }
}
