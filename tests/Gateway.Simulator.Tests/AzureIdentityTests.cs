using System.Net;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;

namespace Gateway.Simulator.Tests;

/// <summary>
/// Environment variables are process-wide: this collection runs alone so no other test sees
/// IDENTITY_ENDPOINT and IDENTITY_HEADER while they point at a simulator.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>The real Azure.Identity credential (through MSAL) gets a token from the simulator and uses it.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class AzureIdentityTests
{
    private const string Secret = "azure-identity-test-secret";

    [Fact]
    public async Task ManagedIdentityCredential_gets_a_token_over_http_that_the_Azure_paths_accept()
    {
        await using var simulator = await RunningSimulator.StartAsync(o => (o.ApiKey, o.IdentityHeader) = ("azure-key", Secret));
        var saved = (Endpoint: Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT"), Header: Environment.GetEnvironmentVariable("IDENTITY_HEADER"));
        AccessToken token;
        try
        {
            // MSAL reads these on every token request; Azure.Identity has no option that takes the endpoint itself.
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", new Uri(simulator.BaseAddress, "/msi/token").ToString());
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", Secret);
            var credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            token = await credential.GetTokenAsync(new TokenRequestContext(["https://cognitiveservices.azure.com/.default"]), timeout.Token);
        }
        finally
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", saved.Endpoint);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", saved.Header);
        }

        Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddHours(23));
        using var response = await simulator.Client.PostJsonAsync("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            new JsonObject { ["messages"] = TestTokens.Messages(("user", "azure-identity-marker")) }, ("Authorization", $"Bearer {token.Token}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var recorded = await simulator.Client.GetAsync("/sim/requests/last");
        Assert.Equal("managed-identity", (await recorded.JsonAsync())["auth"]!.GetValue<string>());
        using var stats = await simulator.Client.GetAsync("/sim/stats");
        Assert.Equal(1, (await stats.JsonAsync())["tokensIssued"]!.GetValue<long>());
    }
}
