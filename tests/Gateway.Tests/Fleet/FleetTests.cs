using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// The fleet shape on loopback: two silo processes and one front-end-only process (an Orleans
/// client), clustered through the membership table in Azurite.
/// </summary>
public sealed class FleetTests : IAsyncLifetime
{
    private readonly string _prefix = TestStorage.NewPrefix();
    private readonly List<GatewayProcess> _processes = [];
    private SimulatorServer _simulator = null!;
    private LedgerQueries _ledger = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(_prefix);
        _ledger = new LedgerQueries(_prefix);
        _simulator = await SimulatorServer.StartAsync();
    }

    [Fact]
    public async Task Each_key_has_one_grain_whichever_silo_a_request_enters_by_and_its_spend_survives_that_silos_death()
    {
        var cluster = "fleet-" + _prefix;
        var siloA = await StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = "silo" });
        var siloB = await StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = "silo" });
        var frontend = await StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = "frontend" });
        using var admin = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
        using var proxy = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) };

        // Keys until both silos host at least one grain (placement is random).
        var keys = new List<(CreatedKey Key, string Silo)>();
        while (keys.Select(k => k.Silo).Distinct().Count() < 2)
        {
            Assert.True(keys.Count < 40, "every key's grain landed on the same silo");
            var key = await admin.CreateKeyAsync("user" + keys.Count, 10m);
            keys.Add((key, (await admin.GetKeyAsync(key.KeyId)).GetProperty("silo").GetString()!));
        }

        // Several requests per key: the client spreads them over both silos' gateways, and every one
        // must reach the same activation (one counter, one ledger chain per key).
        foreach (var (key, silo) in keys)
        {
            for (var i = 0; i < 3; i++)
            {
                await ChatAsync(proxy, key.Key);
            }

            // Settlement follows the response: wait for it, with a deadline.
            var state = await Poll.UntilAsync(() => admin.GetKeyAsync(key.KeyId), s => s.GetProperty("requestCount").GetInt64() >= 3, TimeSpan.FromSeconds(10), "settlement");
            Assert.Equal(silo, state.GetProperty("silo").GetString());
            Assert.Equal(3, state.GetProperty("requestCount").GetInt64());
            var rows = await _ledger.RowsAsync(key.KeyId);
            Assert.Equal(3, rows.Count);
            Assert.Equal(rows.Sum(r => r.CostMicros), state.GetProperty("spentMicros").GetInt64());
        }

        // Kill the silo hosting the first key's grain, without any graceful shutdown.
        var victim = keys[0];
        var before = await admin.GetKeyAsync(victim.Key.KeyId);
        var victimProcess = victim.Silo.Contains(SiloPort(siloA), StringComparison.Ordinal) ? siloA : siloB;
        victimProcess.Kill();

        var after = await Poll.UntilAsync(
            () => admin.GetKeyAsync(victim.Key.KeyId),
            s => s.GetProperty("silo").GetString() != victim.Silo,
            TimeSpan.FromSeconds(120), "the key's grain to reactivate on the surviving silo");

        Assert.Equal(before.GetProperty("spentMicros").GetInt64(), after.GetProperty("spentMicros").GetInt64());
        Assert.Equal(before.GetProperty("requestCount").GetInt64(), after.GetProperty("requestCount").GetInt64());

        // And it goes on counting from there, in step with its ledger.
        await ChatAsync(proxy, victim.Key.Key);
        var final = await Poll.UntilAsync(() => admin.GetKeyAsync(victim.Key.KeyId), s => s.GetProperty("requestCount").GetInt64() >= 4, TimeSpan.FromSeconds(10), "settlement");
        var ledger = await _ledger.RowsAsync(victim.Key.KeyId);
        Assert.Equal(4, ledger.Count);
        Assert.Equal(ledger.Sum(r => r.CostMicros), final.GetProperty("spentMicros").GetInt64());
        Assert.True((await _ledger.Ledger.VerifyChainAsync(victim.Key.KeyId, CancellationToken.None)).Ok);
    }

    private static string SiloPort(GatewayProcess process) => ":" + process.SiloPort + ":";

    private async Task<GatewayProcess> StartAsync(GatewaySettings settings)
    {
        var process = await GatewayProcess.StartAsync(settings, FleetSettings.FastFailureDetection);
        _processes.Add(process);
        return process;
    }

    private static async Task ChatAsync(HttpClient proxy, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 12, messages = new[] { new { role = "user", content = "fleet" } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await proxy.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        await _simulator.DisposeAsync();
    }
}
