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
/// The simulator in this process, and what the proxies under test are started with: the bare forwarder
/// and the gateway in processes of their own (<see cref="ProxyProcess"/>), and for the grain figures a
/// gateway in this process. The gateway's tables live on Azurite under a prefix of their own that is
/// dropped again at the end.
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly WebApplication _simulator;
    private bool _usedStorage;

    private BenchEnvironment(WebApplication simulator, Uri simulatorUrl)
    {
        _simulator = simulator;
        SimulatorUrl = simulatorUrl;
    }

    public Uri SimulatorUrl { get; }

    public string TablePrefix { get; } = "b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public string AdminKey { get; } = "gwadmin_bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>What the simulator insists on: the proxies swap the caller's key for it, and direct calls present it.</summary>
    public static string ProviderKey { get; } = "sk-sim-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string StorageConnectionString =>
        Environment.GetEnvironmentVariable("GATEWAY_TEST_STORAGE") is { Length: > 0 } configured ? configured : StorageOptions.AzuriteDefault;

    public static async Task<BenchEnvironment> StartAsync(BenchOptions options)
    {
        var simulator = SimulatorApp.Build(["--urls", "http://127.0.0.1:0", .. Flatten(QuietLogging)], o =>
        {
            o.ApiKey = ProviderKey;
            o.LatencyMs = options.SimulatorLatencyMs;
            // The request log is for tests; a benchmark measures the proxies, not the simulator's copying.
            o.RecordedRequests = 0;
        });
        await simulator.StartAsync();
        return new BenchEnvironment(simulator, AddressOf(simulator));
    }

    public Task<ProxyProcess> StartForwarderAsync(HttpClient http, CancellationToken cancellationToken) =>
        ProxyProcess.StartAsync(ChildHost.ServeForwarder, Flatten(new Dictionary<string, string>(QuietLogging)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Upstream"] = SimulatorUrl.ToString().TrimEnd('/'),
            ["ProviderKey"] = ProviderKey,
        }), http, cancellationToken);

    public Task<ProxyProcess> StartGatewayAsync(HttpClient http, CancellationToken cancellationToken)
    {
        _usedStorage = true;
        return ProxyProcess.StartAsync(ChildHost.ServeGateway, Flatten(GatewaySettings(TablePrefix)), http, cancellationToken);
    }

    /// <summary>
    /// A silo alone in a process of its own (role <c>silo</c>) that advertises <paramref name="advertisedGatewayPort"/>
    /// to clients but listens on <paramref name="listenGatewayPort"/>, so a relay can sit between.
    /// </summary>
    public Task<ProxyProcess> StartSiloAsync(int advertisedGatewayPort, int listenGatewayPort, HttpClient http, CancellationToken cancellationToken)
    {
        _usedStorage = true;
        var settings = GatewaySettings(TablePrefix);
        settings["role"] = "silo";
        settings["Gateway:Cluster:GatewayPort"] = advertisedGatewayPort.ToString(CultureInfo.InvariantCulture);
        settings[ChildHost.GatewayListenPortSetting] = listenGatewayPort.ToString(CultureInfo.InvariantCulture);
        return ProxyProcess.StartAsync(ChildHost.ServeGateway, Flatten(settings), http, cancellationToken);
    }

    /// <summary>A front-end alone in a process of its own (role <c>frontend</c>), an Orleans client of the silos of <see cref="StartSiloAsync"/>.</summary>
    public Task<ProxyProcess> StartFrontendAsync(HttpClient http, CancellationToken cancellationToken)
    {
        _usedStorage = true;
        var settings = GatewaySettings(TablePrefix);
        settings["role"] = "frontend";
        settings["Gateway:Frontend:InstanceId"] = "bench-fe-remote";
        settings["Gateway:Frontend:Region"] = "bench-remote";
        return ProxyProcess.StartAsync(ChildHost.ServeGateway, Flatten(settings), http, cancellationToken);
    }

    /// <summary>An all-in-one gateway in this process, for driving grains without HTTP; tables under a prefix of its own.</summary>
    public async Task<WebApplication> StartInProcessGatewayAsync()
    {
        _usedStorage = true;
        var gateway = GatewayHostBuilder.Build([.. Flatten(GatewaySettings(TablePrefix + "g"))]);
        try
        {
            await gateway.PrepareStorageAsync();
            await gateway.StartAsync();
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    private Dictionary<string, string> GatewaySettings(string prefix)
    {
        var upstream = SimulatorUrl.ToString().TrimEnd('/');
        return new Dictionary<string, string>(QuietLogging)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["role"] = "all",
            ["Gateway:Storage:ConnectionString"] = StorageConnectionString,
            ["Gateway:Storage:TablePrefix"] = prefix,
            ["Gateway:Cluster:ClusterId"] = "bench-" + prefix,
            ["Gateway:Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Gateway:Cluster:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Gateway:AdminKey"] = AdminKey,
            ["Gateway:Upstreams:OpenAI:BaseUrl"] = upstream,
            ["Gateway:Upstreams:OpenAI:ApiKey"] = ProviderKey,
            ["Gateway:Upstreams:Anthropic:BaseUrl"] = upstream,
            ["Gateway:Upstreams:Anthropic:ApiKey"] = ProviderKey,
            ["Gateway:Frontend:InstanceId"] = "bench-fe",
            ["Gateway:Frontend:Region"] = "bench",
        };
    }

    /// <summary>Warnings and worse only, and on stderr, so that the figures on stdout stay readable.</summary>
    private static Dictionary<string, string> QuietLogging { get; } = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
    };

    private static string[] Flatten(Dictionary<string, string> settings) => [.. settings.SelectMany(kv => new[] { "--" + kv.Key, kv.Value })];

    private static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public async ValueTask DisposeAsync()
    {
        if (_usedStorage)
        {
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
            var service = new TableServiceClient(StorageConnectionString);
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
