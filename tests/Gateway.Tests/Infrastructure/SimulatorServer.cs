using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Infrastructure;

/// <summary>The model simulator on a random loopback port, over real HTTP.</summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public const string ProviderKey = "sk-sim-provider-key";

    /// <summary>
    /// How /sim/stats names <see cref="ProviderKey"/>: the first 8 hex digits of its SHA-256, worked
    /// out here from that definition rather than by the simulator's own code.
    /// </summary>
    public static string ProviderKeyFingerprint { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ProviderKey)))[..8];

    public static async Task<SimulatorServer> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var app = SimulatorApp.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"], o =>
        {
            // The simulator insists on the provider key: proof that the gateway swaps the caller's key for it.
            o.ApiKey = ProviderKey;
            configure?.Invoke(o);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorServer(app, address.TrimEnd('/'));
    }

    /// <summary>Requests the simulator has received, by endpoint: how tests prove nothing went upstream.</summary>
    public async Task<long> RequestCountAsync() => (await StatsAsync()).GetProperty("requests").GetInt64();

    /// <summary>Requests received that asked for a stream (counted as they arrive, before any stall).</summary>
    /// <summary>The most model requests the simulator answered at once since it started.</summary>
    public async Task<long> PeakInFlightAsync() => (await StatsAsync()).GetProperty("peakInFlight").GetInt64();

    public async Task<long> StreamCountAsync() => (await StatsAsync()).GetProperty("streams").GetInt64();

    /// <summary>
    /// Requests that reached the simulator with a credential other than <see cref="ProviderKey"/>
    /// (and were rejected with 401): any at all means the gateway failed to swap a caller's key.
    /// </summary>
    public async Task<long> RejectedCredentialsAsync() => (await StatsAsync()).GetProperty("rejectedCredentials").GetInt64();

    /// <summary>
    /// Requests received, by the fingerprint of the credential they presented ("none" for none):
    /// through the gateway, only <see cref="ProviderKeyFingerprint"/> may ever appear.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> RequestsByCredentialAsync() =>
        (await StatsAsync()).GetProperty("requestsByCredential").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);

    /// <summary>Requests received with <see cref="ProviderKey"/>.</summary>
    public async Task<long> RequestsWithProviderKeyAsync() =>
        (await RequestsByCredentialAsync()).GetValueOrDefault(ProviderKeyFingerprint);

    private async Task<JsonElement> StatsAsync()
    {
        using var http = new HttpClient();
        return await http.GetFromJsonAsync<JsonElement>(BaseUrl + "/sim/stats");
    }

    /// <summary>
    /// The requests the simulator received whose body contains <paramref name="bodyContains"/>,
    /// newest first: a test finds its own by a marker in its prompt, since the gateway forwards no
    /// header a test could tag them with.
    /// </summary>
    public async Task<IReadOnlyList<RecordedRequest>> RequestsAsync(string bodyContains)
    {
        using var http = new HttpClient();
        return await http.GetFromJsonAsync<List<RecordedRequest>>($"{BaseUrl}/sim/requests?contains={Uri.EscapeDataString(bodyContains)}", JsonSerializerOptions.Web) ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
