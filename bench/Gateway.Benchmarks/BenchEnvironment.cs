using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Gateway.Host;
using Gateway.Simulator;
using Gateway.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Benchmarks;

/// <summary>
/// The simulator and an all-in-one gateway in this process, on loopback ports, with the gateway's
/// tables on Azurite under a prefix of their own that is dropped again at the end.
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly WebApplication _simulator;
    private readonly WebApplication? _gateway;
    private readonly string _storage;

    private BenchEnvironment(WebApplication simulator, Uri simulatorUrl, WebApplication? gateway, Uri? gatewayUrl, string storage, string tablePrefix, string adminKey)
    {
        _simulator = simulator;
        _gateway = gateway;
        _storage = storage;
        SimulatorUrl = simulatorUrl;
        GatewayUrl = gatewayUrl;
        TablePrefix = tablePrefix;
        Admin = gatewayUrl is null ? null : new AdminClient(gatewayUrl, adminKey);
    }

    public Uri SimulatorUrl { get; }

    public Uri? GatewayUrl { get; }

    public AdminClient? Admin { get; }

    /// <summary>The gateway's services (its silo's grain factory, ledger…), when a gateway runs.</summary>
    public IServiceProvider? GatewayServices => _gateway?.Services;

    public string TablePrefix { get; }

    /// <summary>What the simulator insists on: the gateway swaps the caller's key for it, and direct calls present it.</summary>
    public static string ProviderKey { get; } = "sk-sim-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string StorageConnectionString =>
        Environment.GetEnvironmentVariable("GATEWAY_TEST_STORAGE") is { Length: > 0 } configured ? configured : StorageOptions.AzuriteDefault;

    public static async Task<BenchEnvironment> StartAsync(BenchOptions options, bool withGateway)
    {
        var simulator = SimulatorApp.Build(["--urls", "http://127.0.0.1:0", .. QuietLogging.SelectMany(kv => new[] { "--" + kv.Key, kv.Value })], o =>
        {
            o.ApiKey = ProviderKey;
            o.LatencyMs = options.SimulatorLatencyMs;
            // The request log is for tests; a benchmark measures the gateway, not the simulator's copying.
            o.RecordedRequests = 0;
        });
        await simulator.StartAsync();
        var simulatorUrl = AddressOf(simulator);

        var prefix = "b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var adminKey = "gwadmin_bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (!withGateway)
        {
            return new BenchEnvironment(simulator, simulatorUrl, null, null, StorageConnectionString, prefix, adminKey);
        }

        WebApplication? gateway = null;
        try
        {
            gateway = GatewayHostBuilder.Build(GatewayArgs(simulatorUrl, prefix, adminKey));
            await gateway.PrepareStorageAsync();
            await gateway.StartAsync();
            return new BenchEnvironment(simulator, simulatorUrl, gateway, AddressOf(gateway), StorageConnectionString, prefix, adminKey);
        }
        catch
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            await simulator.StopAsync();
            await simulator.DisposeAsync();
            throw;
        }
    }

    private static string[] GatewayArgs(Uri simulatorUrl, string prefix, string adminKey)
    {
        var upstream = simulatorUrl.ToString().TrimEnd('/');
        var settings = new Dictionary<string, string>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["role"] = "all",
            ["Gateway:Storage:ConnectionString"] = StorageConnectionString,
            ["Gateway:Storage:TablePrefix"] = prefix,
            ["Gateway:Cluster:ClusterId"] = "bench-" + prefix,
            ["Gateway:Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Gateway:Cluster:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Gateway:AdminKey"] = adminKey,
            ["Gateway:Upstreams:OpenAI:BaseUrl"] = upstream,
            ["Gateway:Upstreams:OpenAI:ApiKey"] = ProviderKey,
            ["Gateway:Upstreams:Anthropic:BaseUrl"] = upstream,
            ["Gateway:Upstreams:Anthropic:ApiKey"] = ProviderKey,
            ["Gateway:Frontend:InstanceId"] = "bench-fe",
            ["Gateway:Frontend:Region"] = "bench",
        };
        foreach (var (key, value) in QuietLogging)
        {
            settings[key] = value;
        }

        return [.. settings.SelectMany(kv => new[] { "--" + kv.Key, kv.Value })];
    }

    /// <summary>Warnings and worse only, and on stderr, so that the figures on stdout stay readable.</summary>
    private static Dictionary<string, string> QuietLogging { get; } = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
    };

    private static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public async ValueTask DisposeAsync()
    {
        Admin?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
            await DropTablesAsync();
        }

        await _simulator.StopAsync();
        await _simulator.DisposeAsync();
    }

    /// <summary>Azurite is often shared with the test suite, so a run leaves no tables behind.</summary>
    private async Task DropTablesAsync()
    {
        try
        {
            var service = new TableServiceClient(_storage);
            await foreach (var table in service.QueryAsync(filter: (string?)null))
            {
                if (table.Name.StartsWith(TablePrefix, StringComparison.Ordinal))
                {
                    await service.DeleteTableAsync(table.Name);
                }
            }
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"note: could not drop the bench tables ({TablePrefix}*): {ex.Message}");
        }
    }
}
