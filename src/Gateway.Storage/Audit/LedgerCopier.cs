using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Storage.Audit;

/// <summary>
/// Copies settled rows from the journal into their key's ledger partition, behind the request path.
/// A key's rows wait <see cref="StorageOptions.LedgerCopyLinger"/> so that one transaction carries
/// many of them (up to 100), go in sequence order, one transaction at a time per key, and are then
/// retired from the journal. A copy is idempotent: a row already in the ledger with the same hash
/// (an earlier copy whose reply was lost, or one made by a silo that died before retiring) counts as
/// copied. A different row at the same sequence is a fork of the chain: the copy stops for that key,
/// its rows stay in the journal, and an error is logged. Copied rows are added to their hour's usage
/// rollups (<see cref="UsageRollups"/>) before they are retired. What is not yet copied when a process
/// dies is still in the journal, where the key's next activation finds it and hands it here again.
/// Every key's copy and rollup take their turn among the account's <see cref="BackgroundWrites"/>:
/// the keys' lingers run out together under an even load, and their copies must not all reach
/// storage at once, in front of the intents that requests wait on. Rows a key wrote straight into
/// its ledger (<see cref="Copied"/>: a busy key's commit) queue here too, in sequence order with the
/// rest, for the same rollups and the retirement of their intents, without a copy.
/// </summary>
public sealed partial class LedgerCopier(AuditLedger ledger, IntentJournal journal, UsageRollups rollups, GatewayTables tables, IOptions<StorageOptions> options, TimeProvider time, ILogger<LedgerCopier> logger) : IAsyncDisposable
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    private readonly Dictionary<string, KeyQueue> _keys = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private long _copied;
    private long _transactions;

    /// <summary>Rows copied and ledger transactions used so far: their ratio is the batching achieved.</summary>
    public (long Rows, long Transactions) Statistics => (Interlocked.Read(ref _copied), Interlocked.Read(ref _transactions));

    /// <summary>Rows waiting to be copied, over all keys.</summary>
    public int Pending
    {
        get
        {
            lock (_keys)
            {
                return _keys.Values.Sum(k => k.Rows.Count);
            }
        }
    }

    /// <summary>Whether a key's row is queued for copying: its copy is under way, or waiting to be tried again.</summary>
    public bool IsQueued(string keyId, long sequence)
    {
        lock (_keys)
        {
            return _keys.TryGetValue(keyId, out var queue) && queue.Rows.ContainsKey(sequence);
        }
    }

    /// <summary>
    /// A key's rows queued here that are not yet in its ledger, in sequence order (a copy of them may be
    /// under way): a later row written straight into the ledger must take them along, or it would stand
    /// there after rows readers cannot see there.
    /// </summary>
    public List<AuditRecord> Uncopied(string keyId)
    {
        lock (_keys)
        {
            return _keys.TryGetValue(keyId, out var queue) ? [.. queue.Rows.Values.Where(r => !IsInLedger(queue, r))] : [];
        }
    }

    /// <summary>The sequence of the oldest of a key's rows queued here that are in its ledger already (their rollups and retirement still to come), or 0.</summary>
    public long OldestInLedger(string keyId)
    {
        lock (_keys)
        {
            return _keys.TryGetValue(keyId, out var queue) && queue.InLedger.Count > 0 ? queue.InLedger.Values.Min() : 0;
        }
    }

    /// <summary>Rows of a key that were queued for copying and are now in its ledger (written there by its grain): the copier only applies their rollups and retires them.</summary>
    public void MarkInLedger(string keyId, IEnumerable<AuditRecord> rows)
    {
        lock (_keys)
        {
            if (!_keys.TryGetValue(keyId, out var queue))
            {
                return;
            }

            foreach (var row in rows)
            {
                if (queue.Rows.TryGetValue(row.Sequence, out var queued) && queued.Hash == row.Hash)
                {
                    queue.InLedger[row.RequestId] = row.Sequence;
                }
            }
        }
    }

    private static bool IsInLedger(KeyQueue queue, AuditRecord row) => queue.InLedger.TryGetValue(row.RequestId, out var at) && at == row.Sequence;

    /// <summary>Whether a request's row, already in its key's ledger, waits here for its rollups and the retirement of its intent.</summary>
    public bool HoldsInLedger(string keyId, string requestId)
    {
        lock (_keys)
        {
            return _keys.TryGetValue(keyId, out var queue) && queue.InLedger.ContainsKey(requestId);
        }
    }

    private bool HoldsInLedger(KeyQueue queue)
    {
        lock (_keys)
        {
            return queue.InLedger.Count > 0;
        }
    }

    /// <summary>Copies a key's queued rows now, without waiting out the rest of the linger.</summary>
    public void Hurry(string keyId)
    {
        lock (_keys)
        {
            if (_keys.TryGetValue(keyId, out var queue))
            {
                queue.Wake.TrySetResult();
            }
        }
    }

    /// <summary>Queues rows of one key for copying (duplicates of rows already queued are ignored).</summary>
    public void Copy(string keyId, IEnumerable<AuditRecord> rows) => Queue(keyId, rows, inLedger: false);

    /// <summary>
    /// Queues rows of one key that are in its ledger already (written there straight, or found there
    /// beside their intents at activation): their hour's rollups are applied, then their intents (the
    /// journal rows under their row keys) are retired. Not copied again.
    /// </summary>
    public void Copied(string keyId, IEnumerable<AuditRecord> rows) => Queue(keyId, rows, inLedger: true);

    private void Queue(string keyId, IEnumerable<AuditRecord> rows, bool inLedger)
    {
        lock (_keys)
        {
            if (!_keys.TryGetValue(keyId, out var queue))
            {
                queue = new KeyQueue(keyId);
                _keys[keyId] = queue;
            }

            foreach (var row in rows)
            {
                if (queue.Rows.TryAdd(row.Sequence, row) && inLedger)
                {
                    queue.InLedger[row.RequestId] = row.Sequence;
                }
            }

            if (!queue.Running && queue.Rows.Count > 0)
            {
                queue.Running = true;
                _ = RunAsync(queue);
            }
        }
    }

    /// <summary>Copies everything queued now, without waiting out the linger (shutdown, tests).</summary>
    public async Task FlushAsync()
    {
        List<KeyQueue> queues;
        lock (_keys)
        {
            queues = [.. _keys.Values];
            foreach (var queue in queues)
            {
                queue.Flush = true;
            }
        }

        foreach (var queue in queues)
        {
            queue.Wake.TrySetResult();
        }

        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (Pending > 0 && time.GetUtcNow() < deadline && !_stopping.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), time);
        }
    }

    private async Task RunAsync(KeyQueue queue)
    {
        var failures = 0;
        try
        {
            while (true)
            {
                if (!queue.Flush && queue.Rows.Count < AuditBatch.MaxRows && !HoldsInLedger(queue))
                {
                    // Let more of the key's rows gather, so one transaction carries them. Rows in the
                    // ledger already (a busy key's commit of dozens) go at once: until their rollups
                    // are written, the usage report would not count them.
                    await Task.WhenAny(Task.Delay(options.Value.LedgerCopyLinger, time, _stopping.Token), queue.Wake.Task);
                }

                List<AuditRecord> batch;
                List<AuditRecord> uncopied;
                lock (_keys)
                {
                    queue.Wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    batch = [.. queue.Rows.Values.Take(AuditBatch.MaxRows)];
                    uncopied = [.. batch.Where(r => !IsInLedger(queue, r))];
                    if (batch.Count == 0)
                    {
                        queue.Running = false;
                        queue.Flush = false;
                        _keys.Remove(queue.KeyId);
                        return;
                    }
                }

                try
                {
                    var lane = tables.AccountFor(queue.KeyId).BackgroundWrites;
                    if (uncopied.Count > 0)
                    {
                        await lane.RunAsync(() => ledger.AppendAsync(uncopied, CancellationToken.None));
                    }

                    // Then the hour's rollups; a retry of the batch finds the ledger rows stored and
                    // the rollups past them, so neither counts a row twice. Only then is the journal emptied.
                    await lane.RunAsync(() => rollups.ApplyAsync(batch, CancellationToken.None));
                    if (uncopied.Count > 0)
                    {
                        Interlocked.Increment(ref _transactions);
                        Interlocked.Add(ref _copied, uncopied.Count);
                    }

                    failures = 0;
                }
                catch (LedgerConflictException ex)
                {
                    // Another row holds one of these sequences: the chain forked (two activations of one
                    // key wrote). The rows stay in the journal for the key's next activation to re-seal.
                    LogFork(logger, queue.KeyId, ex.Sequence, ex);
                    lock (_keys)
                    {
                        queue.Rows.Clear();
                        queue.InLedger.Clear();
                    }

                    continue;
                }
                catch (Exception ex) when (!_stopping.IsCancellationRequested)
                {
                    LogCopyFailed(logger, queue.KeyId, batch.Count, ex.Message);
                    await Task.Delay(Backoff[Math.Min(failures++, Backoff.Length - 1)], time);
                    continue;
                }
                catch (Exception ex)
                {
                    // Shutting down: what is left stays in the journal (rows already in the ledger beside their intents, which the key's next activation finds).
                    LogCopyFailed(logger, queue.KeyId, batch.Count, ex.Message);
                    lock (_keys)
                    {
                        queue.Rows.Clear();
                        queue.InLedger.Clear();
                    }

                    continue;
                }

                lock (_keys)
                {
                    foreach (var row in batch)
                    {
                        queue.Rows.Remove(row.Sequence);
                        if (queue.InLedger.TryGetValue(row.RequestId, out var at) && at == row.Sequence)
                        {
                            queue.InLedger.Remove(row.RequestId);
                        }
                    }
                }

                foreach (var row in batch)
                {
                    _ = RetireAsync(row);
                }
            }
        }
        catch (Exception ex)
        {
            LogCopyFailed(logger, queue.KeyId, queue.Rows.Count, ex.Message);
            lock (_keys)
            {
                queue.Running = false;
                _keys.Remove(queue.KeyId);
            }
        }
    }

    private async Task RetireAsync(AuditRecord row)
    {
        try
        {
            await journal.RetireSettledAsync(row);
        }
        catch (Exception ex)
        {
            // Left in the journal, the row is found copied by the key's next activation, or by the
            // journal sweep's call on the key once it is older than a lease, and retired then.
            LogRetireFailed(logger, row.KeyId, row.Sequence, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync();
        await _stopping.CancelAsync();
    }

    private sealed class KeyQueue(string keyId)
    {
        public string KeyId { get; } = keyId;

        public SortedDictionary<long, AuditRecord> Rows { get; } = [];

        /// <summary>Queued rows already in the ledger, by request id (their sequence): applied to the rollups and retired, not copied.</summary>
        public Dictionary<string, long> InLedger { get; } = new(StringComparer.Ordinal);

        public bool Running { get; set; }

        public bool Flush { get; set; }

        public TaskCompletionSource Wake { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: the ledger already holds a different row at sequence {Sequence}; its chain forked, and its rows stay in the journal")]
    private static partial void LogFork(ILogger logger, string keyId, long sequence, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: copying {Count} rows into the ledger failed ({Reason}); retrying")]
    private static partial void LogCopyFailed(ILogger logger, string keyId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: retiring copied row {Sequence} from the journal failed ({Reason})")]
    private static partial void LogRetireFailed(ILogger logger, string keyId, long sequence, string reason);
}
