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
/// </summary>
public sealed partial class LedgerChain(string keyId, AuditLedger ledger, IntentJournal journal, TimeProvider time, ILogger logger)
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

    /// <summary>Rows just made durable, in sequence order.</summary>
    public Action<IReadOnlyList<AuditRecord>> Committed { get; set; } = _ => { };

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

    /// <summary>Queues a row (its sequence and hashes are assigned here) and waits until it is committed.</summary>
    public Task<AuditRecord> AppendAsync(AuditRecord record)
    {
        var pending = new PendingAppend(record);
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
                var batch = _queue.Take(AuditBatch.MaxRows).ToList();
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

                // Durable in the key's journal shard; each row replaces its request's intent. The ledger copy follows behind.
                if (!await WriteToJournalAsync(batch, records))
                {
                    continue;
                }

                foreach (var row in records)
                {
                    Advance(row);
                }

                Committed(records);
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

    private sealed record PendingAppend(AuditRecord Record)
    {
        public TaskCompletionSource<AuditRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: writing {Count} settled rows to the journal got no answer on try {Attempt} ({Reason}); writing the same rows again")]
    private static partial void LogLedgerInDoubt(ILogger logger, string keyId, int count, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: ledger commit of {Count} rows failed ({Reason})")]
    private static partial void LogLedgerFailed(ILogger logger, string keyId, int count, string reason);
}
