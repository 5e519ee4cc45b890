using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Kill -9 the silo hosting a hot key's grain in the middle of load: afterwards the key's spend
/// equals the sum of its audit rows, every answered request is in the ledger exactly once, and no
/// reservation is left hanging (abandoned ones are settled as unknown by the sweeper).
/// </summary>
public sealed class SiloCrashUnderLoadTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> FastRecovery = new(FleetSettings.FastFailureDetection)
    {
        // Requests here take milliseconds: an intent still open after 5 s was abandoned by the crash.
        ["Gateway:Keys:MaxRequestDuration"] = "00:00:05",
        ["Gateway:Frontend:RequestTimeout"] = "00:00:05",
        ["Gateway:Keys:AbandonGrace"] = "00:00:01",
        ["Gateway:Keys:SweepInterval"] = "00:00:01",
        ["Gateway:Keys:OrphanHoldAge"] = "00:00:10",
    };

    private FleetProcesses _fleet = null!;

    public async Task InitializeAsync() => _fleet = await FleetProcesses.StartAsync("crash", FastRecovery, "silo", "silo", "frontend");

    [Fact]
    public async Task Spend_equals_the_ledger_and_nothing_is_lost_when_the_hot_keys_silo_dies_mid_load()
    {
        var frontend = _fleet.Processes.Single(p => p.Role == "frontend");
        using var admin = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
        var key = await admin.CreateKeyAsync("hot-agent", 1000m);
        var host = (await admin.GetKeyAsync(key.KeyId)).GetProperty("silo").GetString()!;
        var victim = _fleet.Processes.Single(p => p.Role == "silo" && host.Contains($":{p.SiloPort}:", StringComparison.Ordinal));

        var answered = new ConcurrentBag<(HttpStatusCode Status, string? RequestId)>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 8).Select(_ => LoadAsync(frontend.BaseUrl, key.Key, answered, stop.Token)).ToList();

        await Poll.UntilAsync(() => Task.FromResult(answered.Count(a => a.Status == HttpStatusCode.OK) >= 100), TimeSpan.FromSeconds(60), "load before the crash");
        victim.Kill();
        var beforeCrash = answered.Count(a => a.Status == HttpStatusCode.OK);
        await Poll.UntilAsync(() => Task.FromResult(answered.Count(a => a.Status == HttpStatusCode.OK) >= beforeCrash + 100), TimeSpan.FromSeconds(90), "load served again after the crash");
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.All(answered, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"unexpected {a.Status}"));
        var state = await Poll.UntilAsync(() => admin.GetKeyAsync(key.KeyId),
            s => s.GetProperty("reservedMicros").GetInt64() == 0 && s.GetProperty("inFlight").GetInt32() == 0,
            TimeSpan.FromSeconds(60), "every reservation to be settled");
        Assert.NotEqual(host, state.GetProperty("silo").GetString());

        var ledger = new LedgerQueries(_fleet.Prefix);
        var rows = await ledger.RowsAsync(key.KeyId);
        Assert.Equal(state.GetProperty("spentMicros").GetInt64(), rows.Sum(r => r.CostMicros));
        Assert.Equal(rows.Count, rows.Select(r => r.RequestId).Distinct().Count());
        var recorded = rows.Select(r => r.RequestId).ToHashSet();
        Assert.All(answered.Where(a => a.Status == HttpStatusCode.OK), a => Assert.Contains(a.RequestId!, recorded));
        Assert.All(rows.Where(r => r.Outcome == "unknown"), r => Assert.Equal(r.ReservedMicros, r.CostMicros));
        Assert.True((await ledger.Ledger.VerifyChainAsync(key.KeyId, CancellationToken.None)).Ok);

        // The user's budget, whichever silo it lived on, comes to the same spend with nothing held.
        var user = await Poll.UntilAsync(() => admin.GetJsonAsync("/admin/v1/users/hot-agent"),
            u => u.GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0 && u.GetProperty("budget").GetProperty("spentMicros").GetInt64() == rows.Sum(r => r.CostMicros),
            TimeSpan.FromSeconds(60), "the user's budget to settle to the ledger");
        Assert.Equal(rows.Count(r => r.Outcome != "denied"), user.GetProperty("budget").GetProperty("periodRequests").GetInt64());
    }

    private static async Task LoadAsync(string baseUrl, string key, ConcurrentBag<(HttpStatusCode, string?)> answered, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        while (!stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 8, messages = new[] { new { role = "user", content = "loop" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, CancellationToken.None);
            answered.Add((response.StatusCode, response.Headers.TryGetValues("x-gateway-request-id", out var ids) ? ids.Single() : null));
        }
    }

    public async Task DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }
}
