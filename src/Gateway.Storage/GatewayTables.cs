using Azure.Data.Tables;
using Gateway.Storage.Metrics;
using Microsoft.Extensions.Options;

namespace Gateway.Storage;

/// <summary>The gateway's own tables (Orleans' membership and grain-state tables are configured separately).</summary>
public sealed class GatewayTables
{
    public GatewayTables(IOptions<StorageOptions> options)
    {
        var o = options.Value;
        // A storage call that hangs must fail and be retried, never stall a key's ledger: bound each try.
        var clientOptions = new TableClientOptions().WithTransactionCounting();
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);

        // The scan clients carry no guard: what goes through them is meant to read a whole table.
        var scans = new TableServiceClient(o.ConnectionString, clientOptions);
        LedgerScan = scans.GetTableClient(o.LedgerTable);
        ContentScan = scans.GetTableClient(o.ContentTable);
        UsageScan = scans.GetTableClient(o.UsageTable);

        clientOptions.AddPolicy(new UnscopedQueryGuard(o.UnscopedQueries), Azure.Core.HttpPipelinePosition.PerCall);
        Service = new TableServiceClient(o.ConnectionString, clientOptions);
        Ledger = Service.GetTableClient(o.LedgerTable);
        Journal = Service.GetTableClient(o.JournalTable);
        AdminKeys = Service.GetTableClient(o.AdminKeysTable);
        AdminAudit = Service.GetTableClient(o.AdminAuditTable);
        Content = Service.GetTableClient(o.ContentTable);
        Usage = Service.GetTableClient(o.UsageTable);
    }

    /// <summary>Every query through these clients must name its partition (<see cref="StorageOptions.UnscopedQueries"/>).</summary>
    public TableServiceClient Service { get; }

    /// <summary>
    /// The ledger for operators' whole-table reads only: the unscoped audit report and
    /// "verify all". Never used on a request's path or by a grain.
    /// </summary>
    public TableClient LedgerScan { get; }

    /// <summary>Captured content for the retention sweep, which looks for expired rows in every key's partition (hourly, off the request path).</summary>
    public TableClient ContentScan { get; }
    public TableClient Ledger { get; }
    public TableClient Journal { get; }
    public TableClient AdminKeys { get; }
    public TableClient AdminAudit { get; }
    public TableClient Content { get; }

    /// <summary>Per-hour usage rollups, one partition per key.</summary>
    public TableClient Usage { get; }

    /// <summary>The rollups for the usage report over every key: a scan of a table far smaller than the ledger (one row per key, hour, team and model).</summary>
    public TableClient UsageScan { get; }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Ledger.CreateIfNotExistsAsync(cancellationToken);
        await Journal.CreateIfNotExistsAsync(cancellationToken);
        await AdminKeys.CreateIfNotExistsAsync(cancellationToken);
        await AdminAudit.CreateIfNotExistsAsync(cancellationToken);
        await Content.CreateIfNotExistsAsync(cancellationToken);
        await Usage.CreateIfNotExistsAsync(cancellationToken);
    }

    /// <summary>Readiness: one cheap round trip that fails if storage is unreachable.</summary>
    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in AdminKeys.QueryAsync<TableEntity>(filter: "PartitionKey eq 'probe'", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken))
            {
                break;
            }

            return true;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }
}
