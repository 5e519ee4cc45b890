using Gateway.Grains.Alerts;
using Gateway.Grains.Content;
using Gateway.Grains.Journal;
using Gateway.Storage.Content;
using Gateway.Grains.Keys;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>Services the key grains need on a silo: ledger, this silo's journal, and its sweeper.</summary>
    public static IServiceCollection AddGatewayGrains(this IServiceCollection services)
    {
        services.AddOptions<KeyGrainOptions>().BindConfiguration(KeyGrainOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayTables>();
        services.AddAuditChain();
        services.TryAddSingleton<Gateway.Storage.Journal.JournalShards>();
        services.TryAddSingleton<AuditLedger>();
        services.TryAddSingleton<UnattributedAudit>();
        services.TryAddSingleton<IntentJournal>();
        services.TryAddSingleton<UsageRollups>();
        services.TryAddSingleton<LedgerCopier>();
        services.AddMetrics();
        services.TryAddSingleton<KeyMetrics>();
        services.AddSingleton<JournalSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<JournalSweeper>());
        services.TryAddSingleton<ContentStore>();
        services.AddHostedService<ContentRetentionSweeper>();
        services.AddBudgetAlerts();
        return services;
    }
}
