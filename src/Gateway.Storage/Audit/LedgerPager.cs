using Azure.Data.Tables;
using Gateway.Storage.Journal;

namespace Gateway.Storage.Audit;

/// <summary>
/// Pages through the audit ledger for the admin query and export, never reading more than a page
/// needs. Scoped reads (<see cref="ReadKeysAsync"/>) name each key's partition and resume after a
/// row key, so they cost the same on a ledger of a thousand rows or a billion; the one read across
/// partitions (<see cref="ScanAsync"/>) is an operator's report and pages the same way. Like every
/// ledger read (<see cref="AuditLedger"/>), each shows the settled rows still in the journal, not yet
/// copied into their key's partition, as soon as they are durable: the journal is read first, so a
/// row the copier moves meanwhile is then found in the ledger; and since a key's rows are copied in
/// sequence order, a row seen in the ledger means every row before it is there or was in the journal.
/// </summary>
public sealed class LedgerPager(GatewayTables tables, JournalShards shards)
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
            .Select(k => new KeyCursor(tables.AccountFor(k), shards, k, after.TryGetValue(k, out var position) ? position : -1, conditions))
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
    /// key owns (the <c>~unattributed_</c> partitions) are left out. With several accounts, each is read
    /// from the same position (a key's rows are all in one account, so the order is one order over
    /// them all) and the first <paramref name="limit"/> rows of their union make the page: the position
    /// of its last row is where every account resumes, so the continuation stays one position.
    /// </summary>
    public async Task<LedgerPage> ScanAsync(LedgerPosition? after, LedgerFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var conditions = filter.Conditions();
        // Each account's list is complete up to its last row; an account cut short holds more than a
        // page before its cut, so no row past a cut can make it into the page.
        var lists = await Task.WhenAll(tables.Accounts.Select(account => ScanAccountAsync(account, after, conditions, limit, cancellationToken)));
        var rows = lists.SelectMany(list => list).ToList();
        rows.Sort(ScanOrder.Instance);
        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveRange(limit, rows.Count - limit);
        }

        return new LedgerPage(rows, more ? [new LedgerPosition(rows[^1].KeyId, rows[^1].Sequence)] : [], more);
    }

    /// <summary>One account's share of <see cref="ScanAsync"/>: its rows after the position in key and sequence order, more than <paramref name="limit"/> when it has more.</summary>
    private async Task<List<AuditRecord>> ScanAccountAsync(LedgerAccount account, LedgerPosition? after, string conditions, int limit, CancellationToken cancellationToken)
    {
        // The journal's settled rows after the position, each shard on its own: the journal holds only
        // what the copier has not moved yet, so this is small whatever the size of the ledger.
        var pending = new List<AuditRecord>();
        var journalAfter = after is { } j
            ? $" and (KeyId gt {TableKeys.Quote(j.KeyId)} or (KeyId eq {TableKeys.Quote(j.KeyId)} and {TableClient.CreateQueryFilter($"Sequence gt {j.Sequence}")}))"
            : " and " + TableClient.CreateQueryFilter($"Sequence ge {0L}");
        foreach (var partition in shards.Partitions)
        {
            await foreach (var entity in account.Journal.QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(partition)}{journalAfter}{conditions}", cancellationToken: cancellationToken))
            {
                if (AuditRecord.IsSettledJournalRow(entity))
                {
                    pending.Add(AuditRecord.FromJournalEntity(entity));
                }
            }
        }

        // Then the ledger table itself, through the scan client: this is the report that may read every partition.
        var query = "PartitionKey lt '~'";
        if (after is { } a)
        {
            var key = TableKeys.Quote(a.KeyId);
            query += $" and (PartitionKey gt {key} or (PartitionKey eq {key} and RowKey gt {TableKeys.Quote(TableKeys.Sequence(a.Sequence))}))";
        }

        var copied = new List<AuditRecord>(Math.Min(limit + 1, MaxRowsPerRead));
        await foreach (var entity in account.LedgerScan.QueryAsync<TableEntity>(query + conditions, maxPerPage: Math.Min(limit + 1, MaxRowsPerRead), cancellationToken: cancellationToken))
        {
            copied.Add(AuditRecord.FromEntity(entity));
            if (copied.Count > limit)
            {
                break;
            }
        }

        // Rows of the journal past the last ledger row read wait for a later page, where the ledger rows before them come first.
        return Merge(copied, pending, copied.Count > limit ? copied[^1] : null, ScanOrder.Instance);
    }

    /// <summary>
    /// Rows read from the ledger and from the journal, each row once (the ledger's copy when both hold
    /// it), in <paramref name="order"/>; journal rows past <paramref name="upTo"/> (the last ledger row
    /// read, when the ledger has more after it) are left for a later read.
    /// </summary>
    private static List<AuditRecord> Merge(IReadOnlyList<AuditRecord> copied, IEnumerable<AuditRecord> pending, AuditRecord? upTo, IComparer<AuditRecord> order)
    {
        var seen = copied.Select(r => (r.KeyId, r.Sequence)).ToHashSet();
        var rows = copied.Concat(pending.Where(p => !seen.Contains((p.KeyId, p.Sequence)) && (upTo is null || order.Compare(p, upTo) <= 0))).ToList();
        rows.Sort(order);
        return rows;
    }

    /// <summary>Key id, then sequence: the ledger table's own order, which the unscoped report pages in.</summary>
    private sealed class ScanOrder : IComparer<AuditRecord>
    {
        public static readonly ScanOrder Instance = new();

        public int Compare(AuditRecord? x, AuditRecord? y)
        {
            var byKey = string.CompareOrdinal(x!.KeyId, y!.KeyId);
            return byKey != 0 ? byKey : x.Sequence.CompareTo(y.Sequence);
        }
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
    /// Reads one key's rows forward from a position (its ledger partition a table page at a time, and
    /// its rows still in the journal), holding the rows read but not yet handed out.
    /// <see cref="Position"/> moves only when a row is taken.
    /// </summary>
    private sealed class KeyCursor(LedgerAccount account, JournalShards shards, string keyId, long position, string conditions)
    {
        private readonly Queue<AuditRecord> _buffered = new();
        private long _readUpTo = position;

        public string KeyId { get; } = keyId;

        /// <summary>The sequence of the last row taken (or the starting position); -1 before the first row.</summary>
        public long Position { get; private set; } = position;

        /// <summary>Nothing more was found after the rows read.</summary>
        public bool Exhausted { get; private set; }

        public AuditRecord? Head => _buffered.TryPeek(out var head) ? head : null;

        public AuditRecord Take()
        {
            var row = _buffered.Dequeue();
            Position = row.Sequence;
            return row;
        }

        /// <summary>
        /// Reads about <paramref name="count"/> more rows: the key's matching rows still in the journal,
        /// then the first ledger page that has any (following the table's continuation through pages a
        /// selective filter left empty), merged in sequence order.
        /// </summary>
        public async Task ReadAsync(int count, CancellationToken cancellationToken)
        {
            var pending = new List<AuditRecord>();
            var journal = TableClient.CreateQueryFilter($"Sequence gt {_readUpTo}") + conditions;
            await foreach (var entity in shards.KeyRowsAsync(account.Journal, KeyId, journal, cancellationToken: cancellationToken))
            {
                if (AuditRecord.IsSettledJournalRow(entity))
                {
                    pending.Add(AuditRecord.FromJournalEntity(entity));
                }
            }

            var filter = $"PartitionKey eq {TableKeys.Quote(KeyId)}"
                + (_readUpTo >= 0 ? $" and RowKey gt {TableKeys.Quote(TableKeys.Sequence(_readUpTo))}" : "")
                + conditions;
            IReadOnlyList<AuditRecord> copied = [];
            var more = false;
            await foreach (var page in account.Ledger.QueryAsync<TableEntity>(filter, maxPerPage: count, cancellationToken: cancellationToken).AsPages())
            {
                if (page.Values.Count > 0)
                {
                    copied = [.. page.Values.Select(AuditRecord.FromEntity)];
                    more = page.ContinuationToken is not null;
                    break;
                }
            }

            foreach (var row in Merge(copied, pending, more ? copied[^1] : null, SequenceOrder.Instance))
            {
                _buffered.Enqueue(row);
                _readUpTo = row.Sequence;
            }

            Exhausted = !more;
        }
    }

    /// <summary>Sequence order, within one key.</summary>
    private sealed class SequenceOrder : IComparer<AuditRecord>
    {
        public static readonly SequenceOrder Instance = new();

        public int Compare(AuditRecord? x, AuditRecord? y) => x!.Sequence.CompareTo(y!.Sequence);
    }
}
