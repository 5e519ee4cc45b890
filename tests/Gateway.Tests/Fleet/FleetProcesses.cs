using System.Net.Http.Headers;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// A fleet on this machine: the simulator, and gateway processes of the given roles forming one
/// cluster over a fresh table prefix. Disposing stops them, newest first.
/// </summary>
public sealed class FleetProcesses : IAsyncDisposable
{
    private readonly List<GatewayProcess> _processes;

    private FleetProcesses(string prefix, SimulatorServer simulator, List<GatewayProcess> processes)
    {
        Prefix = prefix;
        Simulator = simulator;
        _processes = processes;
    }

    public string Prefix { get; }
    public SimulatorServer Simulator { get; }
    public IReadOnlyList<GatewayProcess> Processes => _processes;

    public static async Task<FleetProcesses> StartAsync(string name, IReadOnlyDictionary<string, string> settings, params string[] roles)
    {
        var prefix = TestStorage.NewPrefix();
        await TestStorage.CreateTablesAsync(prefix);
        var simulator = await SimulatorServer.StartAsync();
        var fleet = new FleetProcesses(prefix, simulator, []);
        try
        {
            foreach (var role in roles)
            {
                fleet._processes.Add(await GatewayProcess.StartAsync(new GatewaySettings(prefix, $"{name}-{prefix}", simulator.BaseUrl) { Role = role }, settings));
            }
        }
        catch
        {
            // What started is stopped again rather than left running past the failed test.
            await fleet.DisposeAsync();
            throw;
        }

        return fleet;
    }

    /// <summary>An admin API client on a front-end of this fleet.</summary>
    public static HttpClient Admin(GatewayProcess frontend)
    {
        var admin = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
        return admin;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(Processes))
        {
            await process.DisposeAsync();
        }

        await Simulator.DisposeAsync();
    }
}
