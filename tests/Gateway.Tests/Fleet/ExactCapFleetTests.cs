using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Exact caps across the fleet: 500 concurrent requests on one key through two front-end
/// processes over two silo processes never take settled spend past the cap.
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
            _processes.Add(await GatewayProcess.StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = role }));
        }
    }

    [Fact]
    public async Task Five_hundred_concurrent_requests_through_two_front_ends_stop_exactly_at_the_cap()
    {
        var frontends = _processes.Where(p => p.Role == "frontend").ToList();
        using var admin = new HttpClient { BaseAddress = new Uri(frontends[0].BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);

        // Each request: 8 prompt tokens and a stated ceiling of 16 output tokens on gpt-4o-mini
        // ($0.15 / $0.60 per million) = 11 micro-dollars reserved and, the simulator answering 16
        // tokens, 11 settled. A cap of 2,200 micro-dollars fits exactly 200 of them.
        const long perRequest = 11;
        const long cap = 200 * perRequest;
        var key = await admin.CreateKeyAsync("runaway-agent", cap / 1_000_000m);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000 };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var statuses = await Task.WhenAll(Enumerable.Range(0, 500).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, frontends[i % 2].BaseUrl + "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 16, messages = new[] { new { role = "user", content = "x" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {s}"));
        var accepted = statuses.Count(s => s == HttpStatusCode.OK);
        var state = await Poll.UntilAsync(() => admin.GetKeyAsync(key.KeyId),
            s => s.GetProperty("reservedMicros").GetInt64() == 0 && s.GetProperty("requestCount").GetInt64() == accepted,
            TimeSpan.FromSeconds(30), "every accepted request to settle");
        var spent = state.GetProperty("spentMicros").GetInt64();
        var ledger = await new LedgerQueries(_prefix).RowsAsync(key.KeyId);

        Assert.True(spent <= cap, $"spent {spent} passed the cap {cap}");
        Assert.Equal(200, accepted);
        Assert.Equal(accepted * perRequest, spent);
        Assert.Equal(spent, ledger.Sum(r => r.CostMicros));
        Assert.Equal(300, ledger.Count(r => r.Outcome == "denied" && r.Denial == "OverBudget"));
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
