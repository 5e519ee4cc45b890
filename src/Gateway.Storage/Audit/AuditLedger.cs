using Azure;
using Azure.Data.Tables;

namespace Gateway.Storage.Audit;

/// <summary>
/// Reads and appends a key's ledger partition. Appends are one Table transaction per call (at most
/// 100 rows, one partition), so a key's grain commits all the settlements that queued up behind
/// the previous commit in one round trip. Rows are chained with an HMAC keyed by the deployment's
/// chain secret (<see cref="Seal"/>), and <see cref="VerifyChainAsync(string, ChainHead?, CancellationToken)"/> checks a chain.
/// </summary>
public sealed class AuditLedger(GatewayTables tables, AuditChainKey chainKey)
{
    /// <summary>Places a row in its key's chain at <paramref name="sequence"/>, after the row hashed <paramref name="previousHash"/>.</summary>
    public AuditRecord Seal(AuditRecord record, long sequence, string previousHash) => record.Seal(chainKey, sequence, previousHash);

    public async Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        if (records.Count > AuditBatch.MaxRows || records.Select(r => r.KeyId).Distinct().Count() != 1)
        {
            throw new ArgumentException("A ledger append is one partition and at most 100 rows.", nameof(records));
        }

        try
        {
            if (records.Count == 1)
            {
                // A lone row needs no batch envelope: a plain insert is one round trip too, and cheaper to serve.
                await tables.Ledger.AddEntityAsync(records[0].ToEntity(), cancellationToken);
            }
            else
            {
                await tables.Ledger.SubmitTransactionAsync(records.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r.ToEntity())), cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // An earlier attempt may have committed while its reply was lost: that is success only if
            // every row already stored is exactly ours. Anything else is a second writer on the chain.
            foreach (var record in records)
            {
                var existing = await tables.Ledger.GetEntityIfExistsAsync<TableEntity>(record.KeyId, TableKeys.Sequence(record.Sequence), cancellationToken: cancellationToken);
                if (!existing.HasValue || existing.Value?.GetString("Hash") != record.Hash)
                {
                    throw new LedgerConflictException(record.KeyId, record.Sequence, ex);
                }
            }
        }
    }

    /// <summary>The rows of a key after a sequence number, in order.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAfterAsync(string keyId, long afterSequence, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq {TableKeys.Quote(keyId)} and RowKey gt {TableKeys.Quote(TableKeys.Sequence(afterSequence))}";
        await foreach (var entity in tables.Ledger.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return AuditRecord.FromEntity(entity);
        }
    }

    /// <summary>A key's rows recorded in [from, to), in sequence order; the time filter runs in storage.</summary>
    public async IAsyncEnumerable<AuditRecord> QueryAsync(string keyId, DateTimeOffset? from, DateTimeOffset? to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq {TableKeys.Quote(keyId)}";
        if (from is { } f)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RecordedAt ge {f}");
        }

        if (to is { } t)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RecordedAt lt {t}");
        }

        await foreach (var entity in tables.Ledger.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return AuditRecord.FromEntity(entity);
        }
    }

    /// <summary>
    /// Every key's rows recorded in [from, to), across partitions (refusals that no key owns are
    /// left out). A scan of the whole ledger table: fine for an operator's report, not a hot path.
    /// </summary>
    public async IAsyncEnumerable<AuditRecord> ScanAsync(DateTimeOffset from, DateTimeOffset to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = "PartitionKey lt '~' and " + TableClient.CreateQueryFilter($"RecordedAt ge {from} and RecordedAt lt {to}");
        await foreach (var entity in tables.LedgerScan.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return AuditRecord.FromEntity(entity);
        }
    }

    public IAsyncEnumerable<AuditRecord> ReadAllAsync(string keyId, CancellationToken cancellationToken = default) =>
        ReadAfterAsync(keyId, -1, cancellationToken);

    /// <summary>Whether a request already has a row in the key's ledger (used when settling orphans).</summary>
    public async Task<bool> ContainsRequestAsync(string keyId, string requestId, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq {TableKeys.Quote(keyId)} and RequestId eq {TableKeys.Quote(requestId)}";
        await foreach (var _ in tables.Ledger.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
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
        await foreach (var entity in tables.Ledger.QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(keyId)}", cancellationToken: cancellationToken))
        {
            var next = (entity.RowKey, AuditRecord.FromEntity(entity));
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

    /// <summary>Verifies a key's chain without an anchor: edits, gaps, insertions and re-hashing, but not a truncated tail.</summary>
    public Task<ChainVerification> VerifyChainAsync(string keyId, CancellationToken cancellationToken) =>
        VerifyChainAsync(keyId, null, cancellationToken);

    /// <summary>
    /// The key ids that have rows in the ledger. It reads the partition key of every row of the table:
    /// a scan, acceptable only on the admin path ("verify all"); a key whose every row was deleted is
    /// not found here, which verifying by key or by user does catch.
    /// </summary>
    public async Task<IReadOnlyList<string>> ScanKeyIdsAsync(CancellationToken cancellationToken)
    {
        var keyIds = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var entity in tables.LedgerScan.QueryAsync<TableEntity>("PartitionKey lt '~'", select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            keyIds.Add(entity.PartitionKey);
        }

        return [.. keyIds];
    }
}
