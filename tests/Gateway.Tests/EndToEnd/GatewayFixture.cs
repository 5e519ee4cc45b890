using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Tests.EndToEnd;

/// <summary>One all-in-one gateway (silo and front-end in one process) over Azurite, with the simulator upstream.</summary>
public class GatewayFixture : IAsyncLifetime
{
    /// <summary>Settings this fixture's gateway gets on top of the defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>();

    public string Prefix { get; } = TestStorage.NewPrefix();

    /// <summary>The storage this fixture's gateway is given (one account unless a fixture says otherwise, in <see cref="Extra"/> too).</summary>
    public virtual Gateway.Storage.StorageOptions Storage => TestStorage.Options(Prefix);
    public SimulatorServer Simulator { get; private set; } = null!;
    public GatewayServer Gateway { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public LedgerQueries Ledger { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(Storage);
        Simulator = await SimulatorServer.StartAsync(ConfigureSimulator);
        // Test classes make many refused admin calls on purpose, all from 127.0.0.1; the limit on
        // failed attempts has tests of its own (AdminAuthLimitTests).
        var extra = new Dictionary<string, string> { ["Gateway:Admin:FailedAttemptLimit"] = "100000" };
        foreach (var (name, value) in Extra)
        {
            extra[name] = value;
        }

        Gateway = await GatewayServer.StartAsync(new GatewaySettings(Prefix, "e2e-" + Prefix, Simulator.BaseUrl) { Extra = extra }, ConfigureHost);
        Admin = Gateway.CreateAdminClient();
        Ledger = new LedgerQueries(Storage);
    }

    /// <summary>Where a fixture changes the simulator (the models it serves, say) before it starts.</summary>
    protected virtual void ConfigureSimulator(Gateway.Simulator.SimulatorOptions options)
    {
    }

    /// <summary>Where a fixture adds to the gateway's host (a log capture, say) before it is built.</summary>
    protected virtual void ConfigureHost(WebApplicationBuilder builder)
    {
    }

    public virtual async Task DisposeAsync()
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
