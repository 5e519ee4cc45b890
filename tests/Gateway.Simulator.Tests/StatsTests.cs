using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <summary>A simulator of its own: the counters must not see other classes' traffic.</summary>
public sealed class StatsTests : IAsyncLifetime
{
    private RunningSimulator _simulator = null!;

    public async Task InitializeAsync() => _simulator = await RunningSimulator.StartAsync();

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    private async Task<JsonNode> StatsAsync()
    {
        using var response = await _simulator.Client.GetAsync("/sim/stats");
        return await response.JsonAsync();
    }

    [Fact]
    public async Task Stats_count_requests_per_endpoint_and_the_usage_reported()
    {
        var client = _simulator.Client;
        using var reset = await client.PostAsync("/sim/stats/reset", content: null);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(0, (await StatsAsync())["requests"]!.GetValue<long>());

        using var chat = await client.PostJsonAsync("/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "one")) });
        using var stream = await client.PostJsonAsync(
            "/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["stream"] = true, ["messages"] = TestTokens.Messages(("user", "two")) });
        await SseResult.ReadAsync(stream);
        using var message = await client.PostJsonAsync(
            "/v1/messages", new JsonObject { ["model"] = "sim-large", ["max_tokens"] = 8, ["messages"] = TestTokens.Messages(("user", "three")) });
        using var embedding = await client.PostJsonAsync("/v1/embeddings", new JsonObject { ["model"] = "text-embedding-3-small", ["input"] = "four" });
        using var missing = await client.PostJsonAsync("/v1/chat/completions", new JsonObject { ["model"] = "nope", ["messages"] = TestTokens.Messages(("user", "five")) });
        using var models = await client.GetAsync("/v1/models");

        var chatUsage = (await chat.JsonAsync())["usage"]!;
        var messageUsage = (await message.JsonAsync())["usage"]!;
        var stats = await StatsAsync();
        Assert.Equal(6, stats["requests"]!.GetValue<long>());
        Assert.Equal(3, stats["chatCompletions"]!.GetValue<long>());
        Assert.Equal(1, stats["messages"]!.GetValue<long>());
        Assert.Equal(1, stats["embeddings"]!.GetValue<long>());
        Assert.Equal(1, stats["models"]!.GetValue<long>());
        Assert.Equal(1, stats["streams"]!.GetValue<long>());
        Assert.Equal(1, stats["errors"]!.GetValue<long>());

        // No key configured: nothing is rejected, and none of these requests presented a credential.
        Assert.Equal(0, stats["rejectedCredentials"]!.GetValue<long>());
        Assert.Equal("""{"none":6}""", stats["requestsByCredential"]!.ToJsonString());

        var expectedPrompt = chatUsage["prompt_tokens"]!.GetValue<int>() + TestTokens.ChatPrompt(("user", "two", null))
            + messageUsage["input_tokens"]!.GetValue<int>() + TestTokens.Count("four");
        var expectedCompletion = chatUsage["completion_tokens"]!.GetValue<int>() + 32 + messageUsage["output_tokens"]!.GetValue<int>();
        Assert.Equal(expectedPrompt, stats["promptTokens"]!.GetValue<long>());
        Assert.Equal(expectedCompletion, stats["completionTokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task Reset_zeroes_the_counters()
    {
        using var chat = await _simulator.Client.PostJsonAsync(
            "/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "one")) });
        Assert.Equal(1, (await StatsAsync())["chatCompletions"]!.GetValue<long>());

        using var reset = await _simulator.Client.PostAsync("/sim/stats/reset", content: null);

        var stats = (await StatsAsync()).AsObject();
        Assert.Empty(stats["requestsByCredential"]!.AsObject());
        Assert.All(stats.Where(p => p.Key != "requestsByCredential"), p => Assert.Equal(0, p.Value!.GetValue<long>()));
    }
}
