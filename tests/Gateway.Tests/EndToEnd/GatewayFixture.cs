using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>One all-in-one gateway (silo and front-end in one process) over Azurite, with the simulator upstream.</summary>
public class GatewayFixture : IAsyncLifetime
{
    public string Prefix { get; } = TestStorage.NewPrefix();
    public SimulatorServer Simulator { get; private set; } = null!;
    public GatewayServer Gateway { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public LedgerQueries Ledger { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(Prefix);
        Simulator = await SimulatorServer.StartAsync();
        Gateway = await GatewayServer.StartAsync(Configure(new GatewaySettings(Prefix, "e2e-" + Prefix, Simulator.BaseUrl)));
        Admin = Gateway.CreateAdminClient();
        Ledger = new LedgerQueries(Prefix);
    }

    /// <summary>Where a fixture for tests that need other settings adds them.</summary>
    protected virtual GatewaySettings Configure(GatewaySettings settings) => settings;

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Simulator is not null)
        {
            await Simulator.DisposeAsync();
        }
    }
}
