using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>One all-in-one gateway (silo and front-end in one process) over Azurite, with the simulator upstream.</summary>
public sealed class GatewayFixture : IAsyncLifetime
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
        Gateway = await GatewayServer.StartAsync(new GatewaySettings(Prefix, "e2e-" + Prefix, Simulator.BaseUrl)
        {
            // Test classes make many refused admin calls on purpose, all from 127.0.0.1; the limit on
            // failed attempts has tests of its own (AdminAuthLimitTests).
            Extra = new Dictionary<string, string> { ["Gateway:Admin:FailedAttemptLimit"] = "100000" },
        });
        Admin = Gateway.CreateAdminClient();
        Ledger = new LedgerQueries(Prefix);
    }

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
