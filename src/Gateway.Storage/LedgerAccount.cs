using Azure.Data.Tables;
using Gateway.Storage.Transactions;

namespace Gateway.Storage;

/// <summary>
/// One storage account of those per-key rows are spread over (<see cref="StorageOptions.LedgerAccounts"/>):
/// its journal, ledger, usage rollups and captured content. A key's rows are all in the one account
/// <see cref="GatewayTables.AccountFor"/> names. The guarded clients refuse or count a query that names
/// no partition (<see cref="UnscopedQueryGuard"/>); the scan clients are for operators' reports only.
/// </summary>
public sealed class LedgerAccount
{
    internal LedgerAccount(int index, string name, TableServiceClient guarded, TableServiceClient scans, TableTransactions transactions, StorageOptions options)
    {
        Index = index;
        Transactions = transactions;
        Name = name;
        Ledger = guarded.GetTableClient(options.LedgerTable);
        Journal = guarded.GetTableClient(options.JournalTable);
        Usage = guarded.GetTableClient(options.UsageTable);
        Content = guarded.GetTableClient(options.ContentTable);
        LedgerScan = scans.GetTableClient(options.LedgerTable);
        UsageScan = scans.GetTableClient(options.UsageTable);
        ContentScan = scans.GetTableClient(options.ContentTable);
        JournalScan = scans.GetTableClient(options.JournalTable);
        BackgroundWrites = new BackgroundWrites(options.BackgroundWritesInFlight, name);
    }

    /// <summary>The account's place in <see cref="StorageOptions.LedgerAccounts"/>; 0 when there is only the main account.</summary>
    public int Index { get; }

    /// <summary>The storage account's name (what the start-up check compares; never a key).</summary>
    public string Name { get; }

    /// <summary>Transactions on this account's tables, written and read without the SDK's per-row objects: the journal's and the ledger copy's.</summary>
    public TableTransactions Transactions { get; }

    /// <summary>The writes to this account that no request waits on, a few at a time, so that they never queue in front of an intent in numbers.</summary>
    public BackgroundWrites BackgroundWrites { get; }

    /// <summary>Ledger partitions (one per key) of the keys placed here.</summary>
    public TableClient Ledger { get; }

    /// <summary>The journal's shards, holding the rows of the keys placed here.</summary>
    public TableClient Journal { get; }

    /// <summary>Per-hour usage rollups, one partition per key placed here.</summary>
    public TableClient Usage { get; }

    /// <summary>Captured content, one partition per key placed here.</summary>
    public TableClient Content { get; }

    /// <summary>
    /// The ledger for operators' whole-table reads only: the unscoped audit report and "verify all".
    /// Never used on a request's path or by a grain.
    /// </summary>
    public TableClient LedgerScan { get; }

    /// <summary>The rollups for the usage report over every key: a scan of a table far smaller than the ledger (one row per key, hour, team and model).</summary>
    public TableClient UsageScan { get; }

    /// <summary>Captured content for the retention sweep, which looks for expired rows in every key's partition (hourly, off the request path).</summary>
    public TableClient ContentScan { get; }

    /// <summary>The journal for the start-up check of its shard count only (<see cref="Journal.JournalLayout"/>), which reads every row once when the count changes.</summary>
    public TableClient JournalScan { get; }

    internal async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Ledger.CreateIfNotExistsAsync(cancellationToken);
        await Journal.CreateIfNotExistsAsync(cancellationToken);
        await Content.CreateIfNotExistsAsync(cancellationToken);
        await Usage.CreateIfNotExistsAsync(cancellationToken);
    }
}
