using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Revocation and user deactivation seen from two front-end processes over two silo processes,
/// with clients sending requests the whole time: once the admin call returns, no front-end accepts
/// the key, not one request.
/// </summary>
public sealed class RevocationFleetTests : IAsyncLifetime
{
    private readonly string _prefix = TestStorage.NewPrefix();
    private readonly List<GatewayProcess> _processes = [];
    private SimulatorServer _simulator = null!;
    private GatewayProcess _frontendA = null!;
    private GatewayProcess _frontendB = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(_prefix);
        _simulator = await SimulatorServer.StartAsync();
        var cluster = "revoke-" + _prefix;
        // Information level, so the log scan below has something to scan.
        var verbose = new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Information" };
        foreach (var role in new[] { "silo", "silo" })
        {
            _processes.Add(await GatewayProcess.StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = role }, verbose));
        }

        _frontendA = await GatewayProcess.StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = "frontend" }, verbose);
        _frontendB = await GatewayProcess.StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = "frontend" }, verbose);
        _processes.AddRange([_frontendA, _frontendB]);
        _admin = new HttpClient { BaseAddress = new Uri(_frontendA.BaseUrl) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
    }

    [Fact]
    public async Task No_request_is_accepted_on_any_front_end_after_revoke_or_deactivate_returns()
    {
        var revoked = await _admin.CreateKeyAsync("rita", 100m);
        var deactivatedA = await _admin.CreateKeyAsync("dan", 100m);
        var deactivatedB = await _admin.CreateKeyAsync("dan", 100m);

        await ProveCutOffAsync([revoked.Key], () => _admin.RevokeKeyAsync(revoked.KeyId));
        await ProveCutOffAsync([deactivatedA.Key, deactivatedB.Key], async () =>
        {
            using var response = await _admin.PostAsync("/admin/v1/users/dan/deactivate", null);
            Assert.True(response.IsSuccessStatusCode);
        });

        // No key, secret or admin key in any process's log.
        var forbidden = new[] { revoked.Key, deactivatedA.Key, deactivatedB.Key, GatewayServer.AdminKey, SimulatorServer.ProviderKey };
        foreach (var process in _processes)
        {
            var output = process.Output();
            Assert.True(output.Length > 0, $"{process.Role} wrote no log at all");
            Assert.DoesNotContain(forbidden, f => output.Contains(f, StringComparison.Ordinal));
        }
    }

    /// <summary>Clients on both front-ends send requests with the keys while <paramref name="cutOff"/> runs.</summary>
    private async Task ProveCutOffAsync(string[] keys, Func<Task> cutOff)
    {
        var results = new ConcurrentBag<(long Started, int Status)>();
        using var stop = new CancellationTokenSource();
        var clients = new List<Task>();
        foreach (var frontend in new[] { _frontendA, _frontendB })
        {
            foreach (var key in keys)
            {
                for (var i = 0; i < 2; i++)
                {
                    clients.Add(SendUntilStoppedAsync(frontend.BaseUrl, key, results, stop.Token));
                }
            }
        }

        await Poll.UntilAsync(() => Task.FromResult(results.Count(r => r.Status == 200) >= 8), TimeSpan.FromSeconds(30), "traffic before the cut-off");
        await cutOff();
        var returned = Stopwatch.GetTimestamp();
        await Poll.UntilAsync(() => Task.FromResult(results.Count(r => r.Started > returned) >= 20), TimeSpan.FromSeconds(30), "traffic after the cut-off");
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        var after = results.Where(r => r.Started > returned).ToList();
        Assert.All(after, r => Assert.Equal(401, r.Status));
        Assert.Contains(results, r => r.Started < returned && r.Status == 200);
        Assert.DoesNotContain(results, r => r.Status >= 500);
    }

    private static async Task SendUntilStoppedAsync(string baseUrl, string key, ConcurrentBag<(long, int)> results, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        while (!stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 4, messages = new[] { new { role = "user", content = "x" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.SendAsync(request, CancellationToken.None);
                results.Add((started, (int)response.StatusCode));
            }
            catch (HttpRequestException)
            {
                results.Add((started, 599));
            }
        }
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        await _simulator.DisposeAsync();
    }
}
