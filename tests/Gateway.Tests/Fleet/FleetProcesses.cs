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
    private readonly string _name;
    private readonly IReadOnlyDictionary<string, string> _settings;

    private FleetProcesses(string name, IReadOnlyDictionary<string, string> settings, string prefix, SimulatorServer simulator, List<GatewayProcess> processes)
    {
        _name = name;
        _settings = settings;
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
        var fleet = new FleetProcesses(name, settings, prefix, simulator, []);
        try
        {
            foreach (var role in roles)
            {
                await fleet.AddAsync(role, new Dictionary<string, string>());
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

    /// <summary>
    /// Starts one more process in this fleet's cluster, with the fleet's settings and
    /// <paramref name="overrides"/> on top (a front-end with a longer request timeout, say).
    /// The fleet stops it with the others.
    /// </summary>
    public async Task<GatewayProcess> AddAsync(string role, IReadOnlyDictionary<string, string> overrides)
    {
        var settings = new Dictionary<string, string>(_settings);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var process = await GatewayProcess.StartAsync(new GatewaySettings(Prefix, $"{_name}-{Prefix}", Simulator.BaseUrl) { Role = role }, settings);
        _processes.Add(process);
        return process;
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
