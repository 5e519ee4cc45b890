using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Telemetry;

/// <summary>The console log of a real gateway process: quiet by default, JSON lines when asked.</summary>
public sealed class LogOutputTests : IAsyncLifetime
{
    private readonly string _prefix = TestStorage.NewPrefix();
    private SimulatorServer _simulator = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(TestStorage.Options(_prefix));
        _simulator = await SimulatorServer.StartAsync();
    }

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    [Fact]
    public async Task With_the_default_log_levels_100_requests_log_under_50_lines()
    {
        // The levels of the gateway's own appsettings.json, as ./run.sh starts it.
        await using var gateway = await GatewayProcess.StartAsync(new GatewaySettings(_prefix, "quiet-" + _prefix, _simulator.BaseUrl) { DefaultLogging = true });
        using var admin = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", GatewayServer.AdminKey);

        // New users and keys: each activates grains, which is where Orleans placement's Polly lines came from.
        CreatedKey key = null!;
        for (var i = 0; i < 100; i++)
        {
            if (i % 10 == 0)
            {
                key = await admin.CreateKeyAsync($"quiet{i / 10}", 5m);
            }

            using var response = await GatewayChat.SendAsync(gateway.BaseUrl, key.Key, 10);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(gateway.LineCount < 50, $"{gateway.LineCount} lines:\n{gateway.Output()}");
        Assert.DoesNotContain("Execution attempt", gateway.Output(), StringComparison.Ordinal);
        Assert.DoesNotContain("Resilience pipeline executed", gateway.Output(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_format_json_writes_one_JSON_object_a_line_with_the_request_line_and_its_scope_at_Debug()
    {
        await using var gateway = await GatewayProcess.StartAsync(new GatewaySettings(_prefix, "json-" + _prefix, _simulator.BaseUrl) { DefaultLogging = true },
            new Dictionary<string, string>
            {
                ["log-format"] = "json",
                ["Logging:LogLevel:Gateway.Frontend.Proxy.ProxyHandler"] = "Debug",
            });
        using var admin = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", GatewayServer.AdminKey);
        var key = await admin.CreateKeyAsync("jason", 5m);
        using var response = await GatewayChat.SendAsync(gateway.BaseUrl, key.Key, 10);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-gateway-request-id"));

        // The request's line is written once its settlement answers, after the response.
        await Poll.UntilAsync(() => Task.FromResult(gateway.Output().Contains(requestId + " key", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "the request's Debug line");
        var lines = gateway.Output().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var entries = lines.Select(line =>
        {
            try
            {
                return JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new Xunit.Sdk.XunitException($"not a JSON line: {line} ({ex.Message})");
            }
        }).ToList();
        Assert.All(entries, e => Assert.True(e.TryGetProperty("Category", out _) && e.TryGetProperty("LogLevel", out _), e.ToString()));

        var served = Assert.Single(entries, e => e.GetProperty("Message").GetString()!.Contains(requestId, StringComparison.Ordinal)
            && e.GetProperty("LogLevel").GetString() == "Debug");
        var state = served.GetProperty("State");
        Assert.Equal((key.KeyId, "gpt-4o-mini", "completed"), (state.GetProperty("KeyId").GetString(), state.GetProperty("Model").GetString(), state.GetProperty("Outcome").GetString()));
        Assert.True(state.GetProperty("CostMicros").GetInt64() > 0, served.ToString());
        // Request id and key id in the scope; never the key's secret.
        Assert.Contains(served.GetProperty("Scopes").EnumerateArray(), s => s.ValueKind == JsonValueKind.Object
            && s.TryGetProperty("RequestId", out var id) && id.GetString() == requestId && s.GetProperty("KeyId").GetString() == key.KeyId);
        Assert.DoesNotContain(key.Key, gateway.Output(), StringComparison.Ordinal);
    }
}
