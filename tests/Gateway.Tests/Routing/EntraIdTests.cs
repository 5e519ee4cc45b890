using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Routing;

/// <summary>
/// An Azure OpenAI upstream with <c>Auth: EntraId</c> holds no provider key: the gateway asks
/// <c>DefaultAzureCredential</c> for a token, which on Azure Container Apps and App Service comes
/// from the managed-identity endpoint named by <c>IDENTITY_ENDPOINT</c> and <c>IDENTITY_HEADER</c>.
/// Here the simulator serves that endpoint, so the real Azure.Identity code path runs, in a gateway
/// process of its own (the variables are per process).
/// </summary>
public sealed class EntraIdTests
{
    [Fact]
    public async Task A_deployment_with_Entra_ID_is_called_with_a_managed_identity_token_fetched_once_and_no_key()
    {
        var prefix = TestStorage.NewPrefix();
        await TestStorage.CreateTablesAsync(prefix);
        await using var simulator = await SimulatorServer.StartAsync();
        var settings = new GatewaySettings(prefix, "entra-" + prefix, simulator.BaseUrl);
        await using var gateway = await GatewayProcess.StartAsync(settings,
            new Dictionary<string, string>
            {
                ["Gateway:Upstreams:entra:Kind"] = "AzureOpenAI",
                ["Gateway:Upstreams:entra:BaseUrl"] = simulator.BaseUrl,
                ["Gateway:Upstreams:entra:Auth"] = "EntraId",
                ["Gateway:Routes:gpt-4o-mini:Deployments:0:Upstream"] = "entra",
                ["Gateway:Routes:gpt-4o-mini:Deployments:0:Deployment"] = "mini-entra",
            },
            new Dictionary<string, string>
            {
                ["IDENTITY_ENDPOINT"] = simulator.BaseUrl + "/msi/token",
                ["IDENTITY_HEADER"] = "sim-identity-header",
            });
        using var admin = Fleet.FleetProcesses.Admin(gateway);
        var key = await admin.CreateKeyAsync("erin", 1m);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };

        var marker = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions", key.Key, anthropic: false,
                JsonSerializer.Serialize(new { model = "gpt-4o-mini", max_tokens = 10, messages = new[] { new { role = "user", content = $"{marker} {i}" } } })));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{gateway.Output()}");
        }

        var received = await simulator.RequestsAsync(marker);
        Assert.Equal(3, received.Count);
        Assert.All(received, r =>
        {
            Assert.Equal(("managed-identity", true, "mini-entra"), (r.Auth, r.Authorized, r.Deployment));
            Assert.False(r.Headers.ContainsKey("api-key"));
        });

        // One token serves every call until it is due for refresh.
        using (var stats = new HttpClient())
        {
            var issued = (await stats.GetFromJsonAsync<JsonElement>(simulator.BaseUrl + "/sim/stats")).GetProperty("tokensIssued").GetInt64();
            Assert.Equal(1, issued);
        }

        var rows = await Poll.UntilAsync(() => new LedgerQueries(prefix).RowsAsync(key.KeyId), r => r.Count == 3, TimeSpan.FromSeconds(10), "three rows");
        Assert.All(rows, r => Assert.Equal(("completed", "entra"), (r.Outcome, r.Upstream)));
    }
}
