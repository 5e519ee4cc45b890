using Azure.Data.Tables;

namespace Gateway.Storage.Audit;

/// <summary>
/// Pages through the audit ledger for the admin query and export, never reading more than a page
/// needs. Scoped reads (<see cref="ReadKeysAsync"/>) name each key's partition and resume after a
/// row key, so they cost the same on a ledger of a thousand rows or a billion; the one read across
/// partitions (<see cref="ScanAsync"/>) is an operator's report and pages the same way.
/// </summary>
public sealed class LedgerPager(GatewayTables tables)
{
    /// <summary>Table Storage returns at most 1,000 entities per response.</summary>
    public const int MaxRowsPerRead = 1000;

    /// <summary>
    /// The fewest rows asked of each key's partition in the first round of a merge: rows spread over
    /// many keys then take one round trip per key, and rows all in one key only a few more.
    /// </summary>
    private const int MinFirstRead = 10;

    /// <summary>
    /// One page of the rows of <paramref name="keyIds"/> that match <paramref name="filter"/>, merged
    /// in time order (recorded time, then key id, then sequence), each key resuming after its position
    /// in <paramref name="after"/> (from the start when absent). Every key's partition is read from its
    /// position in sequence order, so a row is handed out once and never skipped, whatever the clocks
    /// did; a row committed late (its write retried through a storage outage) comes in a later page
    /// than its time would put it in.
    /// </summary>
    public async Task<LedgerPage> ReadKeysAsync(
        IReadOnlyList<string> keyIds, IReadOnlyDictionary<string, long> after, LedgerFilter filter, int limit, int parallelReads, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var conditions = filter.Conditions();
        var cursors = keyIds.Distinct(StringComparer.Ordinal)
            .Select(k => new KeyCursor(tables.Ledger, k, after.TryGetValue(k, out var position) ? position : -1, conditions))
            .ToList();
        if (cursors.Count == 0)
        {
            return new LedgerPage([], [], More: false);
        }

        var firstRead = Math.Min(Math.Min(limit + 1, MaxRowsPerRead), Math.Max(MinFirstRead, (limit + cursors.Count) / cursors.Count));
        await Parallel.ForEachAsync(
            cursors,
            new ParallelOptions { MaxDegreeOfParallelism = parallelReads, CancellationToken = cancellationToken },
            async (cursor, ct) => await cursor.ReadAsync(firstRead, ct));

        var heads = new PriorityQueue<KeyCursor, AuditRecord>(HeadOrder.Instance);
        foreach (var cursor in cursors.Where(c => c.Head is not null))
        {
            heads.Enqueue(cursor, cursor.Head!);
        }

        var rows = new List<AuditRecord>(Math.Min(limit, MaxRowsPerRead));
        while (rows.Count < limit && heads.TryDequeue(out var cursor, out _))
        {
            rows.Add(cursor.Take());
            if (cursor.Head is null && !cursor.Exhausted)
            {
                // One row more than the page holds says whether there is a next page.
                await cursor.ReadAsync(Math.Min(limit + 1 - rows.Count, MaxRowsPerRead), cancellationToken);
            }

            if (cursor.Head is { } head)
            {
                heads.Enqueue(cursor, head);
            }
        }

        var positions = cursors.Where(c => c.Position >= 0).Select(c => new LedgerPosition(c.KeyId, c.Position)).ToList();
        return new LedgerPage(rows, positions, More: heads.Count > 0);
    }

    /// <summary>
    /// One page of every key's rows that match <paramref name="filter"/>, in key id then sequence order
    /// (the table's own order), after <paramref name="after"/>. This reads across partitions, a scan of
    /// the ledger table: only the explicit unscoped report of the admin path calls it. Refusals that no
    /// key owns (the <c>~unattributed_</c> partitions) are left out.
    /// </summary>
    public async Task<LedgerPage> ScanAsync(LedgerPosition? after, LedgerFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var query = "PartitionKey lt '~'";
        if (after is { } a)
        {
            var key = TableKeys.Quote(a.KeyId);
            query += $" and (PartitionKey gt {key} or (PartitionKey eq {key} and RowKey gt {TableKeys.Quote(TableKeys.Sequence(a.Sequence))}))";
        }

        query += filter.Conditions();
        var rows = new List<AuditRecord>(Math.Min(limit + 1, MaxRowsPerRead));
        await foreach (var entity in tables.Ledger.QueryAsync<TableEntity>(query, maxPerPage: Math.Min(limit + 1, MaxRowsPerRead), cancellationToken: cancellationToken))
        {
            rows.Add(AuditRecord.FromEntity(entity));
            if (rows.Count > limit)
            {
                break;
            }
        }

        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return new LedgerPage(rows, more ? [new LedgerPosition(rows[^1].KeyId, rows[^1].Sequence)] : [], more);
    }

    /// <summary>Recorded time, then key id, then sequence: the order a merged page hands rows out in.</summary>
    private sealed class HeadOrder : IComparer<AuditRecord>
    {
        public static readonly HeadOrder Instance = new();

        public int Compare(AuditRecord? x, AuditRecord? y)
        {
            var byTime = x!.RecordedAt.UtcTicks.CompareTo(y!.RecordedAt.UtcTicks);
            if (byTime != 0)
            {
                return byTime;
            }

            var byKey = string.CompareOrdinal(x.KeyId, y.KeyId);
            return byKey != 0 ? byKey : x.Sequence.CompareTo(y.Sequence);
        }
    }

    /// <summary>
    /// Reads one key's partition forward from a position, a table page at a time, holding the rows
    /// read but not yet handed out. <see cref="Position"/> moves only when a row is taken.
    /// </summary>
    private sealed class KeyCursor(TableClient ledger, string keyId, long position, string conditions)
    {
        private readonly Queue<AuditRecord> _buffered = new();
        private long _readUpTo = position;

        public string KeyId { get; } = keyId;

        /// <summary>The sequence of the last row taken (or the starting position); -1 before the first row.</summary>
        public long Position { get; private set; } = position;

        /// <summary>The table said there is nothing more after the rows read.</summary>
        public bool Exhausted { get; private set; }

        public AuditRecord? Head => _buffered.TryPeek(out var head) ? head : null;

        public AuditRecord Take()
        {
            var row = _buffered.Dequeue();
            Position = row.Sequence;
            return row;
        }

        /// <summary>
        /// Reads up to <paramref name="count"/> more rows: the first table page that has any, following
        /// the table's continuation through pages a selective filter left empty.
        /// </summary>
        public async Task ReadAsync(int count, CancellationToken cancellationToken)
        {
            var filter = $"PartitionKey eq {TableKeys.Quote(KeyId)}"
                + (_readUpTo >= 0 ? $" and RowKey gt {TableKeys.Quote(TableKeys.Sequence(_readUpTo))}" : "")
                + conditions;
            Exhausted = true;
            await foreach (var page in ledger.QueryAsync<TableEntity>(filter, maxPerPage: count, cancellationToken: cancellationToken).AsPages())
            {
                foreach (var entity in page.Values)
                {
                    var row = AuditRecord.FromEntity(entity);
                    _buffered.Enqueue(row);
                    _readUpTo = row.Sequence;
                }

                if (page.Values.Count > 0)
                {
                    Exhausted = page.ContinuationToken is null;
                    return;
                }
            }
        }
    }
}
