using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// The key's ledger chain: gives each row its sequence and the hash that links it to the previous
/// one, and makes rows durable in the key's journal shard by group commit (rows that queue while a
/// commit is in flight go together in the next one, in one transaction shared with other keys').
/// Sequence numbers and the chain are assigned in commit order. Once a batch is durable,
/// <see cref="Committed"/> runs in the same turn, before any caller hears back.
/// A busy key's commit (at least <see cref="KeyGrainOptions.LedgerDirectFrom"/> settlements, each
/// replacing an intent in the key's shard) goes straight into the key's ledger partition instead:
/// one entity write a request fewer (no settled row over the intent). The key's earlier rows still
/// waiting in the copier go in the same transaction ahead of it (readers take the journal's rows
/// behind the ledger's last one), and a different row already at one of its sequences (a fork) sends
/// the batch to the journal as before (docs/ledger-behind-journal.md).
/// </summary>
public sealed partial class LedgerChain(string keyId, AuditLedger ledger, IntentJournal journal, LedgerCopier copier, int ledgerDirectFrom, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan[] JournalRetryPauses = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    private readonly List<PendingAppend> _queue = [];
    private bool _appending;
    private Task _loop = Task.CompletedTask;

    /// <summary>The sequence of the newest row on the chain.</summary>
    public long Sequence { get; private set; }

    /// <summary>The hash of the newest row on the chain ("" before the first).</summary>
    public string LastHash { get; private set; } = "";

    /// <summary>Rows on the chain that are requests (denials are not), over the key's life.</summary>
    public long RequestCount { get; private set; }

    /// <summary>Rows just made durable, in sequence order, and whether in the key's ledger partition (else in the journal).</summary>
    public Action<IReadOnlyList<AuditRecord>, bool> Committed { get; set; } = (_, _) => { };


    /// <summary>Finishes when the rows queued so far are committed (or failed).</summary>
    public Task Drained => _loop;

    /// <summary>Starts from a checkpoint.</summary>
    public void Restore(long sequence, string lastHash, long requestCount) => (Sequence, LastHash, RequestCount) = (sequence, lastHash, requestCount);

    /// <summary>A row already on the chain (replayed at activation) is the new head.</summary>
    public void Advance(AuditRecord row)
    {
        Sequence = row.Sequence;
        LastHash = row.Hash;
        if (row.Outcome != AuditRows.OutcomeName(RequestOutcome.Denied))
        {
            RequestCount++;
        }
    }

    /// <summary>
    /// Queues a row (its sequence and hashes are assigned here) and waits until it is committed.
    /// <paramref name="replacesIntent"/>: the row settles an intent in the key's own shard under the
    /// row's journal row key, which a write straight into the ledger leaves for the copier to retire.
    /// </summary>
    public Task<AuditRecord> AppendAsync(AuditRecord record, bool replacesIntent = false)
    {
        var pending = new PendingAppend(record, replacesIntent);
        _queue.Add(pending);
        if (!_appending)
        {
            // The flag, not the task, says whether a loop runs: a loop that finishes synchronously
            // must not leave a stale task behind that would stop the next one from starting.
            _appending = true;
            _loop = RunAsync();
        }

        return pending.Completion.Task;
    }

    private async Task RunAsync()
    {
        try
        {
            while (_queue.Count > 0)
            {
                // A busy key's commit goes straight into the ledger, behind its rows still waiting to be
                // copied, in one transaction: it takes no more than leaves room for them.
                var earlier = EarlierRowsIfStraightToLedger();
                var batch = _queue.Take(AuditBatch.MaxRows - (earlier?.Count ?? 0)).ToList();
                _queue.RemoveRange(0, batch.Count);
                var records = new List<AuditRecord>(batch.Count);
                var previous = LastHash;
                var sequence = Sequence;
                foreach (var pending in batch)
                {
                    var chained = ledger.Seal(pending.Record, ++sequence, previous);
                    previous = chained.Hash;
                    records.Add(chained);
                }

                // Durable in the key's ledger partition when the batch is a busy key's settlements;
                // else in its journal shard, each row replacing its request's intent, the ledger copy following behind.
                var written = await WriteAsync(batch, records, earlier);
                if (written == Written.Failed)
                {
                    continue;
                }

                var inLedger = written == Written.Ledger;
                foreach (var row in records)
                {
                    Advance(row);
                }

                Committed(records, inLedger);
                for (var i = 0; i < records.Count; i++)
                {
                    batch[i].Completion.TrySetResult(records[i]);
                }
            }
        }
        finally
        {
            _appending = false;
        }
    }

    private enum Written
    {
        Failed,
        Journal,
        Ledger,
    }

    private async Task<Written> WriteAsync(List<PendingAppend> batch, List<AuditRecord> records, List<AuditRecord>? earlier)
    {
        if (earlier is not null && await WriteToLedgerAsync(earlier, records))
        {
            return Written.Ledger;
        }

        return await WriteToJournalAsync(batch, records) ? Written.Journal : Written.Failed;
    }

    /// <summary>
    /// Whether the next commit goes straight into the ledger (null when not): the key is busy (at least
    /// <c>ledgerDirectFrom</c> rows queued) and the rows it would take all settle intents in the key's
    /// shard. If so, the key's rows still waiting in the copier to be copied (earlier commits, to the
    /// journal: the first of a burst is small) go in the same transaction, ahead of the commit, so that no
    /// row stands in the ledger after one that is not there yet. When they fill a transaction on their
    /// own (the copier has fallen behind), the commit goes to the journal and the copier is told not to
    /// wait out its linger.
    /// </summary>
    private List<AuditRecord>? EarlierRowsIfStraightToLedger()
    {
        if (ledgerDirectFrom <= 0 || _queue.Count < ledgerDirectFrom || !_queue.Take(AuditBatch.MaxRows).All(p => p.ReplacesIntent))
        {
            return null;
        }

        var earlier = copier.Uncopied(keyId);
        if (earlier.Count >= AuditBatch.MaxRows || (earlier.Count > 0 && earlier[^1].Sequence != Sequence))
        {
            copier.Hurry(keyId);
            return null;
        }

        return earlier;
    }

    /// <summary>
    /// Writes sealed rows, behind the key's rows not yet copied, into the key's ledger partition (an
    /// insert of each: rows stored already with the same hash, a copy or a write of ours that landed,
    /// count as written); those earlier rows are then the copier's to retire, not to copy. False when
    /// storage refuses them: a different row holds one of their sequences (the chain forked), or
    /// anything else it refuses. The caller then writes the batch to the journal, as every commit was
    /// before: the copier finds a fork there too, and the key's next activation seals the rows again.
    /// No answer (a timeout, a reset, a server error) writes the same rows again, with growing pauses,
    /// until storage answers, as <see cref="WriteToJournalAsync"/> does.
    /// </summary>
    private async Task<bool> WriteToLedgerAsync(List<AuditRecord> earlier, List<AuditRecord> records)
    {
        var rows = earlier.Count == 0 ? records : [.. earlier, .. records];
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await ledger.AppendAsync(rows, CancellationToken.None);
                copier.MarkInLedger(keyId, earlier);
                return true;
            }
            catch (LedgerConflictException ex)
            {
                LogDirectFork(logger, keyId, ex.Sequence);
                return false;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status is >= 400 and < 500 and not 408 and not 429)
            {
                LogDirectRefused(logger, keyId, rows.Count, ex.Message);
                return false;
            }
            catch (Exception ex)
            {
                LogLedgerInDoubt(logger, keyId, rows.Count, attempt + 1, ex.Message);
                await Task.Delay(JournalRetryPauses[Math.Min(attempt, JournalRetryPauses.Length - 1)], time);
            }
        }
    }

    /// <summary>
    /// Writes sealed rows to the journal. Storage refusing them (a client error: nothing landed)
    /// fails the batch, and its sequence numbers are used again by the next. No answer (a timeout, a
    /// reset, a server error) leaves it unknown whether they landed, so the very same rows are
    /// written again, with growing pauses, until storage answers: no other row may take sequence
    /// numbers these may already hold. Their callers wait (a front-end's repeated settle joins them).
    /// </summary>
    private async Task<bool> WriteToJournalAsync(List<PendingAppend> batch, List<AuditRecord> records)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await journal.WriteSettledAsync(records);
                return true;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status is >= 400 and < 500 and not 408 and not 429)
            {
                LogLedgerFailed(logger, keyId, batch.Count, ex.Message);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(ex);
                }

                return false;
            }
            catch (Exception ex)
            {
                LogLedgerInDoubt(logger, keyId, records.Count, attempt + 1, ex.Message);
                await Task.Delay(JournalRetryPauses[Math.Min(attempt, JournalRetryPauses.Length - 1)], time);
            }
        }
    }

    private sealed record PendingAppend(AuditRecord Record, bool ReplacesIntent)
    {
        public TaskCompletionSource<AuditRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: the ledger already holds a different row at sequence {Sequence} (the chain forked); the commit goes to the journal")]
    private static partial void LogDirectFork(ILogger logger, string keyId, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: writing {Count} rows straight into the ledger was refused ({Reason}); the commit goes to the journal")]
    private static partial void LogDirectRefused(ILogger logger, string keyId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: writing {Count} settled rows to the journal got no answer on try {Attempt} ({Reason}); writing the same rows again")]
    private static partial void LogLedgerInDoubt(ILogger logger, string keyId, int count, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: ledger commit of {Count} rows failed ({Reason})")]
    private static partial void LogLedgerFailed(ILogger logger, string keyId, int count, string reason);
}
