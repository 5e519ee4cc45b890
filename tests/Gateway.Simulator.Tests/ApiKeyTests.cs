using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

public sealed class ApiKeyTests : IAsyncLifetime
{
    private const string ProviderKey = "sk-provider-secret";
    private RunningSimulator _simulator = null!;

    public async Task InitializeAsync() => _simulator = await RunningSimulator.StartAsync(o => o.ApiKey = ProviderKey);

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    private static JsonObject Chat() => new() { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "hi")) };

    private static JsonObject Message() => new() { ["model"] = "claude-opus-4-1", ["max_tokens"] = 5, ["messages"] = TestTokens.Messages(("user", "hi")) };

    [Fact]
    public async Task The_provider_key_is_accepted_as_bearer_or_x_api_key()
    {
        using var bearer = await _simulator.Client.PostJsonAsync("/v1/chat/completions", Chat(), ("Authorization", $"Bearer {ProviderKey}"));
        using var header = await _simulator.Client.PostJsonAsync("/v1/messages", Message(), ("x-api-key", ProviderKey));

        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
    }

    [Fact]
    public async Task Another_key_is_401_in_OpenAI_format()
    {
        using var wrong = await _simulator.Client.PostJsonAsync("/v1/chat/completions", Chat(), ("Authorization", "Bearer sk-caller-key"));
        using var missing = await _simulator.Client.PostJsonAsync("/v1/chat/completions", Chat());

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("invalid_api_key", (await wrong.JsonAsync())["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("invalid_request_error", (await missing.JsonAsync())["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_key_is_401_in_Anthropic_format_on_messages()
    {
        using var response = await _simulator.Client.PostJsonAsync("/v1/messages", Message(), ("x-api-key", "sk-caller-key"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("error", json["type"]!.GetValue<string>());
        Assert.Equal("authentication_error", json["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stats_count_requests_by_credential_fingerprint_and_the_rejected_credentials()
    {
        // Fingerprints worked out apart from the simulator: printf %s KEY | sha256sum | cut -c1-8.
        const string providerFingerprint = "5aee43ea", callerFingerprint = "f9b9fd5a";

        using var bearer = await _simulator.Client.PostJsonAsync("/v1/chat/completions", Chat(), ("Authorization", $"Bearer {ProviderKey}"));
        using var header = await _simulator.Client.PostJsonAsync("/v1/messages", Message(), ("x-api-key", ProviderKey));
        using var both = await _simulator.Client.PostJsonAsync("/v1/messages", Message(), ("Authorization", "Bearer sk-caller-key"), ("x-api-key", ProviderKey));
        using var wrong = await _simulator.Client.PostJsonAsync("/v1/chat/completions", Chat(), ("Authorization", "Bearer sk-caller-key"));
        using var missing = await _simulator.Client.PostJsonAsync("/v1/chat/completions", Chat());

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized],
            new[] { bearer.StatusCode, header.StatusCode, both.StatusCode, wrong.StatusCode, missing.StatusCode });
        using var response = await _simulator.Client.GetAsync("/sim/stats");
        var text = await response.Content.ReadAsStringAsync();
        var stats = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal(5, stats["requests"]!.GetValue<long>());
        Assert.Equal(2, stats["unauthorized"]!.GetValue<long>());
        Assert.Equal(1, stats["rejectedCredentials"]!.GetValue<long>());
        var byCredential = stats["requestsByCredential"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<long>());
        Assert.Equal(new Dictionary<string, long> { [providerFingerprint] = 3, [callerFingerprint] = 1, ["none"] = 1 }, byCredential);

        // Only fingerprints: neither key is in the stats.
        Assert.DoesNotContain(ProviderKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-caller-key", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_need_the_key_but_stats_do_not()
    {
        using var models = await _simulator.Client.GetAsync("/v1/models");
        using var stats = await _simulator.Client.GetAsync("/sim/stats");

        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.True((await stats.JsonAsync())["unauthorized"]!.GetValue<long>() >= 1);
    }
}
