using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

public sealed class OptionsTests
{
    private static async Task<string[]> ModelIdsAsync(RunningSimulator simulator)
    {
        using var response = await simulator.Client.GetAsync("/v1/models");
        return (await response.JsonAsync())["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToArray();
    }

    [Fact]
    public async Task Configured_models_replace_the_defaults()
    {
        await using var simulator = await RunningSimulator.StartAsync(null, "--Simulator:Models:0", "only-a", "--Simulator:Models:1", "only-b");

        Assert.Equal(["only-a", "only-b"], await ModelIdsAsync(simulator));
        using var chat = await simulator.Client.PostJsonAsync("/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "hi")) });
        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
    }

    [Fact]
    public async Task Models_may_be_one_comma_separated_value()
    {
        await using var simulator = await RunningSimulator.StartAsync(null, "--Simulator:Models", "x-1, x-2");

        Assert.Equal(["x-1", "x-2"], await ModelIdsAsync(simulator));
    }

    [Fact]
    public async Task The_configure_action_wins_over_configuration()
    {
        await using var simulator = await RunningSimulator.StartAsync(o => o.DefaultCompletionTokens = 5, "--Simulator:DefaultCompletionTokens", "50");

        using var response = await simulator.Client.PostJsonAsync(
            "/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "hi")) });
        Assert.Equal(5, (await response.JsonAsync())["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Configuration_binds_the_default_answer_length()
    {
        await using var simulator = await RunningSimulator.StartAsync(null, "--Simulator:DefaultCompletionTokens", "9");

        using var response = await simulator.Client.PostJsonAsync(
            "/v1/messages", new JsonObject { ["model"] = "claude-sonnet-4-5", ["max_tokens"] = 100, ["messages"] = TestTokens.Messages(("user", "hi")) });
        Assert.Equal(9, (await response.JsonAsync())["usage"]!["output_tokens"]!.GetValue<int>());
    }
}
