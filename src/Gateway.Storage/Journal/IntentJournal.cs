using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Storage.Journal;

/// <summary>
/// The journal: every request's intent, written before it goes upstream, then its settled ledger
/// row, which replaces the intent (same row key, <c>~{key id}!{request id}</c>) and stays until it has been copied
/// into the key's ledger partition. The journal is split into <see cref="StorageOptions.JournalShards"/>
/// partitions by key id, so a key's rows always live in one known partition whichever silo wrote
/// them, and every look-up reads named partitions only: one for a key (its row-key range there), the
/// ranges of its keys for a user, all of them (a bounded set) for a team or the sweep. With several accounts
/// (<see cref="StorageOptions.LedgerAccounts"/>) each has its own journal table with the same shards,
/// and a key's rows are in its account's (<see cref="GatewayTables.AccountFor"/>): a key is still one
/// partition, a team or the sweep every shard of every account. Writes from every key's grain on a
/// silo go through group-commit writers per account, one transaction per partition per round trip:
/// intents through one, settled rows through another, so an intent (which its request waits on before
/// it goes upstream) never queues behind the settled rows of requests already answered.
/// </summary>
public sealed class IntentJournal : IAsyncDisposable
{
    private readonly GatewayTables _tables;
    private readonly JournalShards _shards;
    // Per account, by its index: intents, and settled rows.
    private readonly GroupCommitWriter[] _intents;
    private readonly GroupCommitWriter[] _settled;

    // Retirements have writers of their own: nobody waits on them, and a batch of them that fails
    // (an intent retired twice) falls back to group-by-group without holding up the intents and
    // settlements the request path waits for. They take their turn among the account's background
    // writes, behind the intents rather than in front of them.
    private readonly GroupCommitWriter[] _retirements;

    /// <summary>Nobody waits on a retirement: letting them gather a moment puts many in each transaction (a backlog goes at once, in full ones).</summary>
    private static readonly TimeSpan RetirementLinger = TimeSpan.FromMilliseconds(200);

    public IntentJournal(GatewayTables tables, JournalShards shards, IOptions<StorageOptions> options, TimeProvider time, ILogger<IntentJournal> logger)
    {
        _tables = tables;
        _shards = shards;
        _intents = [.. tables.Accounts.Select(a => new GroupCommitWriter(a.Journal, logger, commitsInFlight: options.Value.JournalCommitsInFlight, name: "intents", transactions: a.Transactions))];
        _settled = [.. tables.Accounts.Select(a => new GroupCommitWriter(a.Journal, logger, options.Value.JournalSettledLinger, options.Value.JournalCommitsInFlight, "settled", a.Transactions, time))];
        _retirements = [.. tables.Accounts.Select(a => new GroupCommitWriter(a.Journal, logger, RetirementLinger, name: "retirements", transactions: a.Transactions, time: time, lane: a.BackgroundWrites))];
    }

    /// <summary>Every partition of the journal.</summary>
    public IReadOnlyList<string> Partitions => _shards.Partitions;

    /// <summary>The partition a key's rows go to.</summary>
    public string PartitionFor(string keyId) => _shards.PartitionFor(keyId);

    /// <summary>Commits so far and rows in them (intents, settled rows and retirements): their ratio is the batching achieved.</summary>
    public (long Commits, long Rows) Statistics =>
        (Writers.Sum(w => w.Statistics.Commits), Writers.Sum(w => w.Statistics.Rows));

    /// <summary>
    /// Durably records an intent; completes only once the row is committed. An insert, never a
    /// replace: a write that lands late (after its request was refused and its denial row written in
    /// its place) fails rather than overwrite that row.
    /// </summary>
    public Task RecordAsync(IntentEntry entry) =>
        _intents[_tables.AccountFor(entry.KeyId).Index].SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, new IntentRowEntity(entry, RowKeyOf(entry))));

    /// <summary>
    /// Durably records sealed ledger rows of one key, all in one transaction (at most 100), in the
    /// key's partition, each replacing its request's intent (one in another partition, left by a change
    /// of the shard count, is retired by the key's grain once its settlement is durable). Writing the same rows again is harmless, so a caller that
    /// cannot tell whether a failed write landed writes them again.
    /// </summary>
    public Task WriteSettledAsync(IReadOnlyList<AuditRecord> rows)
    {
        var partition = PartitionFor(rows[0].KeyId);
        return _settled[_tables.AccountFor(rows[0].KeyId).Index].SubmitGroupAsync([.. rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r.ToJournalRow(partition, RowKeyOf(r), _tables.LedgerRows)))]);
    }

    /// <summary>Retires an intent that is settled elsewhere: only the version read, never a settled row that replaced it since.</summary>
    public Task RetireIntentAsync(IntentEntry intent) =>
        _retirements[_tables.AccountFor(intent.KeyId).Index].SubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(intent.Partition, RowKeyOf(intent)), intent.ETag));

    /// <summary>Removes a settled row once it is in the key's ledger partition: where it was read from, else where this process wrote it.</summary>
    public Task RetireSettledAsync(AuditRecord row) =>
        _retirements[_tables.AccountFor(row.KeyId).Index].SubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(row.JournalPartition ?? PartitionFor(row.KeyId), RowKeyOf(row)), ETag.All));

    /// <summary>An intent's row key: as read or chosen, else the form this process writes.</summary>
    private string RowKeyOf(IntentEntry intent) => intent.RowKey ?? _shards.RowKeyFor(intent.KeyId, intent.RequestId);

    /// <summary>A settled row's row key in the journal: its intent's or as read, else the form this process writes.</summary>
    private string RowKeyOf(AuditRecord row) => row.JournalRowKey ?? _shards.RowKeyFor(row.KeyId, row.RequestId);

    /// <summary>Open intents of one key: one partition.</summary>
    public async Task<IReadOnlyList<IntentEntry>> FindByKeyAsync(string keyId, CancellationToken cancellationToken) =>
        (await ReadKeyAsync(keyId, cancellationToken)).Intents;

    /// <summary>A key's open intents and its settled rows not yet retired (copied or not), from its one partition: its row-key range there (and rows of the older form).</summary>
    public async Task<(IReadOnlyList<IntentEntry> Intents, IReadOnlyList<AuditRecord> Settled)> ReadKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var intents = new List<IntentEntry>();
        var settled = new List<AuditRecord>();
        await foreach (var entity in _shards.KeyRowsAsync(_tables.AccountFor(keyId).Journal, keyId, null, cancellationToken: cancellationToken))
        {
            if (AuditRecord.IsSettledJournalRow(entity))
            {
                settled.Add(AuditRecord.FromJournalEntity(entity));
            }
            else
            {
                intents.Add(IntentEntry.FromEntity(entity));
            }
        }

        settled.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return (intents, settled);
    }

    /// <summary>Open intents reserved on one team's budget: every partition of every account, each read on its own.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindByTeamAsync(string teamId, CancellationToken cancellationToken) =>
        FindIntentsAsync(_shards.AcrossAccounts(_tables), $"TeamId eq {TableKeys.Quote(teamId)}", cancellationToken);

    /// <summary>Every shard of every account's journal, each named by its account's index and its partition: what the sweep goes over, one shard at a time.</summary>
    public IEnumerable<(int Account, string Partition)> Shards => _shards.AcrossAccounts(_tables).Select(s => (s.Account.Index, s.Partition));

    /// <summary>
    /// Keys with rows (intents or settled rows) in one shard of one account's journal that started
    /// before a point in time: what the sweep hands to their grains, whose activation settles abandoned
    /// intents and copies settled rows a dead silo left behind. One partition, key ids only.
    /// </summary>
    public async Task<IReadOnlyList<string>> FindKeysWithRowsBeforeAsync(int account, string partition, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var filter = $"PartitionKey eq {TableKeys.Quote(partition)} and " + TableClient.CreateQueryFilter($"StartedAt lt {before}");
        await foreach (var entity in _tables.Accounts[account].Journal.QueryAsync<TableEntity>(filter, select: ["KeyId"], cancellationToken: cancellationToken))
        {
            if (entity.GetString("KeyId") is { Length: > 0 } keyId)
            {
                keys.Add(keyId);
            }
        }

        return [.. keys];
    }

    private IEnumerable<GroupCommitWriter> Writers => _intents.Concat(_settled).Concat(_retirements);

    private async Task<IReadOnlyList<IntentEntry>> FindIntentsAsync(IEnumerable<(LedgerAccount Account, string Partition)> shards, string filter, CancellationToken cancellationToken)
    {
        var list = new List<IntentEntry>();
        foreach (var (account, partition) in shards)
        {
            await foreach (var entity in account.Journal.QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(partition)} and {filter}", cancellationToken: cancellationToken))
            {
                if (!AuditRecord.IsSettledJournalRow(entity))
                {
                    list.Add(IntentEntry.FromEntity(entity));
                }
            }
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in Writers)
        {
            await writer.DisposeAsync();
        }
    }
}
