using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Exact caps across the fleet: 500 concurrent requests through two front-end processes over two
/// silo processes never take settled spend past the cap, whether the cap is one key's or that of a
/// user holding several keys.
/// </summary>
public sealed class ExactCapFleetTests : IAsyncLifetime
{
    private readonly string _prefix = TestStorage.NewPrefix();
    private readonly List<GatewayProcess> _processes = [];
    private SimulatorServer _simulator = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(_prefix);
        _simulator = await SimulatorServer.StartAsync();
        var cluster = "cap-" + _prefix;
        foreach (var role in new[] { "silo", "silo", "frontend", "frontend" })
        {
            _processes.Add(await GatewayProcess.StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = role, Extra = FloodSettings }));
        }
    }

    /// <summary>Repeated refusals are counted into one row per window; short windows so the counts land within the test.</summary>
    private static readonly Dictionary<string, string> FloodSettings = new()
    {
        ["Gateway:Keys:DenialAggregationWindow"] = "00:00:01",
        ["Gateway:Keys:SweepInterval"] = "00:00:01",
    };

    // Each request: 8 prompt tokens and a stated ceiling of 16 output tokens on gpt-4o-mini
    // ($0.15 / $0.60 per million) = 11 micro-dollars reserved and, the simulator answering 16
    // tokens, 11 settled. A cap of 2,200 micro-dollars fits exactly 200 of them.
    private const long PerRequest = 11;
    private const long Cap = 200 * PerRequest;

    [Fact]
    public async Task Five_hundred_concurrent_requests_through_two_front_ends_stop_exactly_at_the_cap()
    {
        using var admin = Admin();
        var key = await admin.CreateKeyAsync("runaway-agent", Cap / 1_000_000m);

        var statuses = await HammerAsync([key.Key]);

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {s}"));
        var accepted = statuses.Count(s => s == HttpStatusCode.OK);
        var state = await Poll.UntilAsync(() => admin.GetKeyAsync(key.KeyId),
            s => s.GetProperty("reservedMicros").GetInt64() == 0 && s.GetProperty("requestCount").GetInt64() == accepted,
            TimeSpan.FromSeconds(30), "every accepted request to settle");
        var spent = state.GetProperty("spentMicros").GetInt64();
        // Every refusal is on the record: one row each for the first from an address, counted rows for the repeats.
        var ledger = await Poll.UntilAsync(() => new LedgerQueries(_prefix).RowsAsync(key.KeyId),
            rows => rows.Where(r => r.Outcome == "denied" && r.Denial == "OverBudget").Sum(r => r.Count) >= 300, TimeSpan.FromSeconds(30), "every refusal counted in the ledger");

        Assert.True(spent <= Cap, $"spent {spent} passed the cap {Cap}");
        Assert.Equal(200, accepted);
        Assert.Equal(accepted * PerRequest, spent);
        Assert.Equal(spent, ledger.Sum(r => r.CostMicros));
        Assert.Equal(300, ledger.Where(r => r.Outcome == "denied" && r.Denial == "OverBudget").Sum(r => r.Count));

        // Each silo serves its own grains' figures at /metrics, to an admin key only: between them
        // the spend they counted is the ledger's, to the micro-dollar.
        var silos = _processes.Where(p => p.Role == "silo").ToList();
        var scrapes = new List<string>();
        foreach (var silo in silos)
        {
            using var anonymous = new HttpClient { BaseAddress = new Uri(silo.BaseUrl) };
            using (var refused = await anonymous.GetAsync("/metrics"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var scraper = new HttpClient { BaseAddress = new Uri(silo.BaseUrl) };
            scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
            using var served = await scraper.GetAsync("/metrics");
            var text = await served.Content.ReadAsStringAsync();
            Assert.True(served.StatusCode == HttpStatusCode.OK, $"{silo.BaseUrl}/metrics: {(int)served.StatusCode} {text}");
            scrapes.Add(text);
        }

        // The silo that held the key counted its reservations; one that held nothing has no such series.
        Assert.Contains(scrapes, text => text.Contains("gateway_reservations_held", StringComparison.Ordinal));
        Assert.Equal(spent, scrapes.Sum(text => PrometheusText.Sum(text, "gateway_spend")));
    }

    [Fact]
    public async Task Five_hundred_concurrent_requests_on_four_keys_of_one_user_stop_exactly_at_the_users_cap()
    {
        using var admin = Admin();
        using (var created = await admin.PostAsJsonAsync("/admin/v1/users", new { id = "agent-owner", capUsd = Cap / 1_000_000m, period = "monthly" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // Each key alone could spend ten times the user's cap: only the user's budget can stop them.
        var keys = new List<CreatedKey>();
        for (var i = 0; i < 4; i++)
        {
            keys.Add(await admin.CreateKeyAsync("agent-owner", 10 * Cap / 1_000_000m));
        }

        var statuses = await HammerAsync(keys.Select(k => k.Key).ToList());

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {s}"));
        var accepted = statuses.Count(s => s == HttpStatusCode.OK);
        var budget = (await Poll.UntilAsync(() => admin.GetJsonAsync("/admin/v1/users/agent-owner"),
            u => u.GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0 && u.GetProperty("budget").GetProperty("periodRequests").GetInt64() == accepted,
            TimeSpan.FromSeconds(30), "every accepted request to settle on the user's budget")).GetProperty("budget");
        var spent = budget.GetProperty("spentMicros").GetInt64();
        var ledger = new LedgerQueries(_prefix);
        var rows = await Poll.UntilAsync(async () =>
            {
                var all = new List<Gateway.Storage.Audit.AuditRecord>();
                foreach (var key in keys)
                {
                    all.AddRange(await ledger.RowsAsync(key.KeyId));
                }

                return all;
            },
            all => all.Where(r => r.Outcome == "denied" && r.Denial == "OverBudget").Sum(r => r.Count) >= 300, TimeSpan.FromSeconds(30), "every refusal counted in the ledger");

        Assert.True(spent <= Cap, $"spent {spent} passed the user's cap {Cap}");
        Assert.Equal(200, accepted);
        Assert.Equal(accepted * PerRequest, spent);
        Assert.Equal(spent, rows.Sum(r => r.CostMicros));
        Assert.Equal(0, budget.GetProperty("remainingMicros").GetInt64());
        Assert.Equal(300, rows.Where(r => r.Outcome == "denied" && r.Denial == "OverBudget").Sum(r => r.Count));
        // Every key carried its share of the 500, each request recorded once, accepted or refused;
        // which keys got the 200 accepted ones is a race.
        Assert.Equal(
            keys.Select((_, k) => (long)Enumerable.Range(0, 500).Count(i => KeyFor(i, keys.Count) == k)),
            keys.Select(k => rows.Where(r => r.KeyId == k.KeyId).Sum(r => r.Count)));
    }

    private HttpClient Admin()
    {
        var admin = new HttpClient { BaseAddress = new Uri(_processes.First(p => p.Role == "frontend").BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
        return admin;
    }

    /// <summary>Which key request <paramref name="i"/> uses: pairs of requests (one per front-end) take the keys in turn.</summary>
    private static int KeyFor(int i, int keys) => i / 2 % keys;

    /// <summary>500 concurrent requests, alternating between the two front-ends and across the keys.</summary>
    private async Task<HttpStatusCode[]> HammerAsync(IReadOnlyList<string> keys)
    {
        var frontends = _processes.Where(p => p.Role == "frontend").ToList();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000 };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        return await Task.WhenAll(Enumerable.Range(0, 500).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, frontends[i % 2].BaseUrl + "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 16, messages = new[] { new { role = "user", content = "x" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[KeyFor(i, keys.Count)]);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }));
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
