using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Metrics;

namespace Gateway.Storage.Audit;

/// <summary>
/// A key's ledger: its rows in the key's own partition of the ledger table, plus the newest rows
/// that are durable in the journal but not yet copied there (the copy runs behind, many rows per
/// transaction: <see cref="LedgerCopier"/>). Every read here shows both, in sequence order, so
/// readers see a row as soon as its settlement is durable. The journal is read first: a row the
/// copier moves meanwhile is then found in the ledger. Appends (<see cref="AppendAsync"/>) are the
/// copier's: one Table transaction per call (at most 100 rows, one partition). Rows are chained with
/// an HMAC keyed by the deployment's chain secret (<see cref="Seal"/>), and
/// <see cref="VerifyChainAsync(string, ChainHead?, CancellationToken)"/> checks a chain. A key's
/// partition and journal rows are in its account (<see cref="GatewayTables.AccountFor"/>); the reads
/// across keys go to every account.
/// </summary>
public sealed class AuditLedger(GatewayTables tables, AuditChainKey chainKey, Journal.JournalShards shards)
{
    /// <summary>The ledger table of the account a key's partition is in.</summary>
    private TableClient LedgerOf(string keyId) => tables.AccountFor(keyId).Ledger;

    /// <summary>Places a row in its key's chain at <paramref name="sequence"/>, after the row hashed <paramref name="previousHash"/>.</summary>
    public AuditRecord Seal(AuditRecord record, long sequence, string previousHash) => record.Seal(chainKey, sequence, previousHash);

    /// <summary>
    /// Appends rows of one key (at most 100) in one transaction. Rows already stored with the same
    /// hash (an earlier copy whose reply was lost, or one a dead silo made before retiring them) count
    /// as appended and the rest are appended after all; a different row stored at one of these
    /// sequences is a second writer on the chain: <see cref="LedgerConflictException"/>.
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count > AuditBatch.MaxRows || records.Select(r => r.KeyId).Distinct().Count() > 1)
        {
            throw new ArgumentException("A ledger append is one partition and at most 100 rows.", nameof(records));
        }

        var remaining = records.ToList();
        while (remaining.Count > 0)
        {
            try
            {
                // A lone row goes as a plain insert (TableTransactions): one round trip too, and cheaper to serve.
                var account = tables.AccountFor(remaining[0].KeyId);
                await account.Transactions.SubmitAsync(account.Ledger, [.. remaining.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r.ToLedgerRow(tables.LedgerRows)))], cancellationToken);

                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var stored = new List<AuditRecord>();
                foreach (var record in remaining)
                {
                    var existing = await LedgerOf(record.KeyId).GetEntityIfExistsAsync<TableEntity>(record.KeyId, TableKeys.Sequence(record.Sequence), select: ["Hash"], cancellationToken: cancellationToken);
                    if (!existing.HasValue)
                    {
                        continue;
                    }

                    if (existing.Value?.GetString("Hash") != record.Hash)
                    {
                        throw new LedgerConflictException(record.KeyId, record.Sequence, ex);
                    }

                    stored.Add(record);
                }

                if (stored.Count == 0)
                {
                    // A conflict with no row to show for it: nothing to skip, so no progress is possible.
                    throw;
                }

                remaining.RemoveAll(stored.Contains);
            }
        }
    }

    /// <summary>Whether the key's ledger partition holds this very row (same sequence, same hash): a point read.</summary>
    public async Task<bool> HoldsAsync(AuditRecord row, CancellationToken cancellationToken)
    {
        var stored = await LedgerOf(row.KeyId).GetEntityIfExistsAsync<TableEntity>(row.KeyId, TableKeys.Sequence(row.Sequence), select: ["Hash"], cancellationToken: cancellationToken);
        return stored.HasValue && stored.Value?.GetString("Hash") == row.Hash;
    }

    /// <summary>The rows of a key after a sequence number, in order, copied or still in the journal.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAfterAsync(string keyId, long afterSequence, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pending = await PendingAsync(keyId, TableClient.CreateQueryFilter($"Sequence gt {afterSequence}"), cancellationToken);
        await foreach (var row in ReadAfterAsync(keyId, afterSequence, pending, cancellationToken))
        {
            yield return row;
        }
    }

    /// <summary>
    /// As <see cref="ReadAfterAsync(string, long, CancellationToken)"/>, with the key's settled rows in the
    /// journal already read (<paramref name="pending"/>, in sequence order, read before this is called:
    /// a row the copier moves meanwhile is then found in the ledger). Those at or below
    /// <paramref name="afterSequence"/> are passed over.
    /// </summary>
    public async IAsyncEnumerable<AuditRecord> ReadAfterAsync(string keyId, long afterSequence, IReadOnlyList<AuditRecord> pending,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = afterSequence;
        var filter = $"PartitionKey eq {TableKeys.Quote(keyId)} and RowKey gt {TableKeys.Quote(TableKeys.Sequence(afterSequence))}";
        await foreach (var entity in LedgerOf(keyId).QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var row = AuditRecord.FromEntity(entity);
            last = row.Sequence;
            yield return row;
        }

        foreach (var row in pending.Where(r => r.Sequence > last))
        {
            yield return row;
        }
    }

    /// <summary>The rows of a key's ledger partition after a sequence number, in order: copied rows only, not the journal's.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadCopiedAfterAsync(string keyId, long afterSequence, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq {TableKeys.Quote(keyId)} and RowKey gt {TableKeys.Quote(TableKeys.Sequence(afterSequence))}";
        await foreach (var entity in LedgerOf(keyId).QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return AuditRecord.FromEntity(entity);
        }
    }

    /// <summary>A key's settled rows still in the journal that match <paramref name="filter"/>, in sequence order: its row-key range of one partition.</summary>
    private async Task<List<AuditRecord>> PendingAsync(string keyId, string filter, CancellationToken cancellationToken)
    {
        var rows = new List<AuditRecord>();
        await foreach (var entity in shards.KeyRowsAsync(tables.AccountFor(keyId).Journal, keyId, filter, cancellationToken: cancellationToken))
        {
            if (AuditRecord.IsSettledJournalRow(entity))
            {
                rows.Add(AuditRecord.FromJournalEntity(entity));
            }
        }

        rows.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return rows;
    }

    /// <summary>A key's rows recorded in [from, to), in sequence order; the time filter runs in storage.</summary>
    public async IAsyncEnumerable<AuditRecord> QueryAsync(string keyId, DateTimeOffset? from, DateTimeOffset? to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var range = "RecordedAt ge datetime'0001-01-01T00:00:00Z'";
        if (from is { } f)
        {
            range = TableClient.CreateQueryFilter($"RecordedAt ge {f}");
        }

        if (to is { } t)
        {
            range += " and " + TableClient.CreateQueryFilter($"RecordedAt lt {t}");
        }

        var pending = await PendingAsync(keyId, range, cancellationToken);
        var seen = new HashSet<long>();
        await foreach (var entity in LedgerOf(keyId).QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(keyId)} and {range}", cancellationToken: cancellationToken))
        {
            var row = AuditRecord.FromEntity(entity);
            seen.Add(row.Sequence);
            yield return row;
        }

        foreach (var row in pending.Where(r => !seen.Contains(r.Sequence)))
        {
            yield return row;
        }
    }

    /// <summary>Settled rows still in the journal (not yet copied) recorded in [from, to): every shard of every account, each read on its own.</summary>
    public async IAsyncEnumerable<AuditRecord> JournalRowsAsync(DateTimeOffset from, DateTimeOffset to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var range = TableClient.CreateQueryFilter($"RecordedAt ge {from} and RecordedAt lt {to}");
        foreach (var (account, partition) in shards.AcrossAccounts(tables))
        {
            await foreach (var entity in account.Journal.QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(partition)} and {range}", cancellationToken: cancellationToken))
            {
                if (AuditRecord.IsSettledJournalRow(entity))
                {
                    yield return AuditRecord.FromJournalEntity(entity);
                }
            }
        }
    }

    public IAsyncEnumerable<AuditRecord> ReadAllAsync(string keyId, CancellationToken cancellationToken = default) =>
        ReadAfterAsync(keyId, -1, cancellationToken);

    /// <summary>
    /// Whether a request already has a row in the key's ledger (used when settling orphans and
    /// withdrawals). <paramref name="afterSequence"/>, when not -1, is a sequence the request's row
    /// must come after (the chain's head when its intent was written): the ledger is then read as a
    /// row-key range from there, which Table Storage serves from its index, instead of the whole
    /// partition, which it would read row by row to find a request that is not there.
    /// </summary>
    public async Task<bool> ContainsRequestAsync(string keyId, string requestId, long afterSequence, CancellationToken cancellationToken)
    {
        // Still in the journal (a point read), or copied into the ledger.
        if (await shards.FindRowAsync(tables.AccountFor(keyId).Journal, keyId, requestId, cancellationToken) is { } settled && AuditRecord.IsSettledJournalRow(settled) && settled.GetString("KeyId") == keyId)
        {
            return true;
        }

        return await CopiedRowOfAsync(keyId, requestId, afterSequence, cancellationToken);
    }

    /// <summary>
    /// Whether the key's ledger partition holds a copied row of the request after <paramref name="afterSequence"/>
    /// (a row-key range from there; -1: the whole partition). The journal is not read.
    /// </summary>
    public async Task<bool> CopiedRowOfAsync(string keyId, string requestId, long afterSequence, CancellationToken cancellationToken)
    {
        var after = afterSequence >= 0 ? $" and RowKey gt {TableKeys.Quote(TableKeys.Sequence(afterSequence))}" : "";
        var filter = $"PartitionKey eq {TableKeys.Quote(keyId)}{after} and RequestId eq {TableKeys.Quote(requestId)}";
        await foreach (var _ in LedgerOf(keyId).QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>
    /// Verifies a key's chain from its first row: every row's HMAC matches its content, sequence
    /// numbers run without gaps, each row links to the one before, and, given the <paramref name="anchor"/>
    /// the key's grain holds, the chain reaches that head with that hash. Reads the whole partition
    /// (an operator's check, not a hot path); stops at the first broken row.
    /// </summary>
    public async Task<ChainVerification> VerifyChainAsync(string keyId, ChainHead? anchor, CancellationToken cancellationToken)
    {
        var check = new LedgerChainCheck(keyId, chainKey, anchor);
        (string RowKey, AuditRecord Row)? current = null;
        await foreach (var next in ChainRowsAsync(keyId, cancellationToken))
        {
            if (current is { } row && !check.Check(row.RowKey, row.Row, next.Item2))
            {
                return check.Result();
            }

            current = next;
        }

        if (current is { } last && !check.Check(last.RowKey, last.Row, null))
        {
            return check.Result();
        }

        check.Finish();
        return check.Result();
    }

    /// <summary>Every row of a key's chain with the row key it is stored under: the ledger partition, then the rows not yet copied out of the journal.</summary>
    private async IAsyncEnumerable<(string RowKey, AuditRecord Row)> ChainRowsAsync(string keyId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pending = await PendingAsync(keyId, "Sequence ge 0L", cancellationToken);
        long? last = null;
        await foreach (var entity in LedgerOf(keyId).QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(keyId)}", cancellationToken: cancellationToken))
        {
            var row = AuditRecord.FromEntity(entity);
            last = row.Sequence;
            yield return (entity.RowKey, row);
        }

        foreach (var row in pending.Where(r => last is null || r.Sequence > last))
        {
            yield return (TableKeys.Sequence(row.Sequence), row);
        }
    }

    /// <summary>Verifies a key's chain without an anchor: edits, gaps, insertions and re-hashing, but not a truncated tail.</summary>
    public Task<ChainVerification> VerifyChainAsync(string keyId, CancellationToken cancellationToken) =>
        VerifyChainAsync(keyId, null, cancellationToken);

    /// <summary>
    /// The key ids that have rows in the ledger. It reads the partition key of every row of the table:
    /// a scan, acceptable only on the admin path ("verify all"); a key whose every row was deleted is
    /// not found here, which verifying by key or by user does catch. Every account, each on its own.
    /// </summary>
    public async Task<IReadOnlyList<string>> ScanKeyIdsAsync(CancellationToken cancellationToken)
    {
        var keyIds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (account, partition) in shards.AcrossAccounts(tables))
        {
            await foreach (var entity in account.Journal.QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(partition)}", select: ["KeyId", "Sequence"], cancellationToken: cancellationToken))
            {
                if (AuditRecord.IsSettledJournalRow(entity) && entity.GetString("KeyId") is { Length: > 0 } keyId)
                {
                    keyIds.Add(keyId);
                }
            }
        }

        foreach (var account in tables.Accounts)
        {
            await foreach (var entity in account.LedgerScan.QueryAsync<TableEntity>("PartitionKey lt '~'", select: ["PartitionKey"], cancellationToken: cancellationToken))
            {
                keyIds.Add(entity.PartitionKey);
            }
        }

        return [.. keyIds];
    }
}
