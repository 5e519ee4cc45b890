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
        Service = new TableServiceClient(o.ConnectionString, clientOptions);
        Ledger = Service.GetTableClient(o.LedgerTable);
        Journal = Service.GetTableClient(o.JournalTable);
        AdminKeys = Service.GetTableClient(o.AdminKeysTable);
        AdminAudit = Service.GetTableClient(o.AdminAuditTable);
        Content = Service.GetTableClient(o.ContentTable);
    }

    public TableServiceClient Service { get; }
    public TableClient Ledger { get; }
    public TableClient Journal { get; }
    public TableClient AdminKeys { get; }
    public TableClient AdminAudit { get; }
    public TableClient Content { get; }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Ledger.CreateIfNotExistsAsync(cancellationToken);
        await Journal.CreateIfNotExistsAsync(cancellationToken);
        await AdminKeys.CreateIfNotExistsAsync(cancellationToken);
        await AdminAudit.CreateIfNotExistsAsync(cancellationToken);
        await Content.CreateIfNotExistsAsync(cancellationToken);
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
