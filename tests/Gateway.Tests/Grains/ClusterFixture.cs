using Azure.Data.Tables;
using Gateway.Grains;
using Gateway.Storage;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Gateway.Tests.Grains;

/// <summary>A two-silo Orleans test cluster whose grain state, ledger and journal live in Azurite.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>Shared by every silo of the cluster, as one clock would be.</summary>
    public static OffsetTimeProvider Time { get; } = new();

    public string Prefix { get; } = TestStorage.NewPrefix();
    public TestCluster Cluster { get; private set; } = null!;
    public IClusterClient Client => Cluster.Client;
    public LedgerQueries Ledger { get; private set; } = null!;
    public GatewayTables Tables { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Tables = await TestStorage.CreateTablesAsync(Prefix);
        Ledger = new LedgerQueries(Prefix);
        var builder = new TestClusterBuilder(2);
        builder.Options.ClusterId = "grains-" + Prefix;
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Storage:ConnectionString"] = TestStorage.ConnectionString,
            ["Gateway:Storage:TablePrefix"] = Prefix,
            ["Gateway:Audit:ChainSecret"] = TestStorage.ChainSecret,
            ["Logging:LogLevel:Default"] = "Warning",
            // A busy key's commits straight into its ledger (off by default): LedgerDirectTests.
            ["Gateway:Keys:LedgerDirectFrom"] = "16",
        }));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is null)
        {
            return;
        }

        // A graceful stop can wait a long time on a cluster that has just lost a silo; a test
        // cluster has nothing to hand over, so give it a bounded chance and then kill what is left.
        try
        {
            await Cluster.StopAllSilosAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or OperationCanceledException)
        {
            foreach (var silo in Cluster.Silos.ToList())
            {
                await Cluster.KillSiloAsync(silo);
            }
        }

        await Cluster.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var storage = new StorageOptions
            {
                ConnectionString = silo.Configuration["Gateway:Storage:ConnectionString"]!,
                TablePrefix = silo.Configuration["Gateway:Storage:TablePrefix"]!,
            };
            silo.AddAzureTableGrainStorage("keys", o =>
            {
                o.TableServiceClient = new TableServiceClient(storage.ConnectionString);
                o.TableName = storage.GrainStateTable;
            });
            silo.Services.AddOptions<StorageOptions>().Configure(o => (o.ConnectionString, o.TablePrefix, o.UnscopedQueries) = (storage.ConnectionString, storage.TablePrefix, UnscopedQueries.Fail));
            silo.Services.AddSingleton<TimeProvider>(Time);
            silo.Services.AddGatewayGrains();
            // Declare a killed silo dead in seconds rather than the production default of a minute or so.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
        }
    }
}

/// <summary>
/// Every grain test class shares the one test cluster: two TestClusters in one process, even one
/// after the other, can reach each other's in-memory endpoints and fail to start.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
