using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Audit;
using Gateway.Storage.Metrics;
using Gateway.Storage.Transactions;
using Microsoft.Extensions.Logging;

namespace Gateway.Storage;

/// <summary>
/// Group commit onto one table: whatever operations queue up while earlier commits are in flight
/// go out together, one Table transaction per partition (up to 100 rows). Round trips per operation
/// therefore fall as load rises. An operation may be a group of rows of one partition that must
/// land together or not at all (<see cref="SubmitGroupAsync"/>): a group is never split across
/// transactions. A writer with a linger waits up to it for a full transaction's rows, never longer
/// than it takes them to queue: a backlog goes out in full transactions back to back, so a linger
/// bounds how long a row waits, not how many rows a second the writer can commit. A transaction
/// that storage refuses is retried group by group, so one bad row fails only its own group; a
/// transaction that fails any other way (a timeout, retries exhausted, no connection) fails every
/// one of its callers with that exception. Every caller's task completes.
/// </summary>
public sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private readonly int _commitsInFlight;

    private readonly TableClient _table;
    private readonly TableTransactions _transactions;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _commitSlots;
    private readonly Task _pump;
    private long _commits;
    private long _rows;

    // Rows submitted and not yet taken into a transaction, and the lingering pump's wake-up once
    // they fill one (null while it is not lingering).
    private int _queuedRows;
    private TaskCompletionSource? _filled;

    private readonly TimeSpan _linger;
    private readonly TimeProvider _time;
    private readonly BackgroundWrites? _lane;
    private readonly KeyValuePair<string, object?> _batchTag;

    /// <param name="linger">
    /// How long a batch waits for more rows once the first is queued: zero for writes a caller waits
    /// on, a little for writes nobody waits on (retirements), so each transaction carries more rows.
    /// </param>
    /// <param name="commitsInFlight">Transactions sent at once; what queues meanwhile goes in the next.</param>
    /// <param name="name">The writer's name on <c>gateway.journal.batch_size</c> (intents, settled, retirements).</param>
    /// <param name="transactions">How transactions are sent: the table's account's <see cref="TableTransactions"/>, or null for the SDK's.</param>
    /// <param name="time">The clock the linger is measured on.</param>
    /// <param name="lane">For writes nobody waits on: each transaction waits for a place among the account's <see cref="BackgroundWrites"/>.</param>
    public GroupCommitWriter(TableClient table, ILogger logger, TimeSpan linger = default, int commitsInFlight = 4, string name = "other", TableTransactions? transactions = null, TimeProvider? time = null, BackgroundWrites? lane = null)
    {
        _lane = lane;
        _time = time ?? TimeProvider.System;
        _transactions = transactions ?? TableTransactions.ThroughSdk;
        _batchTag = new KeyValuePair<string, object?>(StorageMetrics.WriterTag, name);
        ArgumentOutOfRangeException.ThrowIfLessThan(commitsInFlight, 1);
        _table = table;
        _logger = logger;
        _linger = linger;
        _commitsInFlight = commitsInFlight;
        _commitSlots = new(commitsInFlight);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Commits so far and rows in them: their ratio is the batching achieved.</summary>
    public (long Commits, long Rows) Statistics => (Interlocked.Read(ref _commits), Interlocked.Read(ref _rows));

    /// <summary>Completes once the operation is committed (alone or in a batch); faults only with its own failure.</summary>
    public Task SubmitAsync(TableTransactionAction action) => SubmitGroupAsync([action]);

    /// <summary>
    /// Rows of one partition (at most 100, distinct row keys) that land in one transaction, all or
    /// none. A failure with a status from storage means none landed; one without (a timeout, a lost
    /// reply) means the caller cannot know, and may submit the same rows again.
    /// </summary>
    public Task SubmitGroupAsync(IReadOnlyList<TableTransactionAction> actions)
    {
        if (actions.Count == 0 || actions.Count > AuditBatch.MaxRows || actions.Select(a => a.Entity.PartitionKey).Distinct(StringComparer.Ordinal).Count() != 1)
        {
            throw new ArgumentException("A group is 1 to 100 rows of one partition.", nameof(actions));
        }

        var pending = new PendingWrite(actions, _time.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter));
        }

        if (Interlocked.Add(ref _queuedRows, actions.Count) >= AuditBatch.MaxRows)
        {
            Volatile.Read(ref _filled)?.TrySetResult();
        }

        return pending.Completion.Task;
    }

    private async Task PumpAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingWrite>(AuditBatch.MaxRows);
        PendingWrite? carried = null;
        while (carried is not null || await reader.WaitToReadAsync())
        {
            if (_linger > TimeSpan.Zero && carried is null)
            {
                await LingerAsync();
            }

            await _commitSlots.WaitAsync();
            batch.Clear();
            var rows = 0;
            if (carried is not null)
            {
                batch.Add(carried);
                rows = carried.Actions.Count;
                carried = null;
            }

            while (rows < AuditBatch.MaxRows && reader.TryRead(out var item))
            {
                Interlocked.Add(ref _queuedRows, -item.Actions.Count);
                if (rows + item.Actions.Count > AuditBatch.MaxRows)
                {
                    // Groups are never split: this one starts the next batch.
                    carried = item;
                    break;
                }

                batch.Add(item);
                rows += item.Actions.Count;
            }

            if (batch.Count == 0)
            {
                _commitSlots.Release();
                continue;
            }

            _ = CommitAsync([.. batch]);
        }
    }

    /// <summary>Waits out the linger, or less once a full transaction's rows are queued.</summary>
    private async Task LingerAsync()
    {
        var filled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _filled, filled);
        // Read after publishing: rows queued before it could not wake a pump they did not see.
        if (Volatile.Read(ref _queuedRows) < AuditBatch.MaxRows)
        {
            using var lingered = new CancellationTokenSource();
            var delay = Task.Delay(_linger, _time, lingered.Token);
            if (await Task.WhenAny(delay, filled.Task) != delay)
            {
                await lingered.CancelAsync();
            }
        }

        Volatile.Write(ref _filled, null);
    }

    private async Task CommitAsync(PendingWrite[] writes)
    {
        try
        {
            // A batch's partitions go out side by side: a transaction holds one partition only, and
            // none of them need wait for another.
            await Task.WhenAll(writes.GroupBy(w => w.Actions[0].Entity.PartitionKey, StringComparer.Ordinal).Select(g => CommitGroupAsync([.. g])));
        }
        finally
        {
            _commitSlots.Release();
        }
    }

    private async Task CommitGroupAsync(PendingWrite[] items)
    {
        try
        {
            if (_lane is null)
            {
                await CommitPartitionAsync(items);
            }
            else
            {
                await _lane.RunAsync(() => CommitPartitionAsync(items));
            }
        }
        catch (Exception ex)
        {
            // Whatever went wrong (a timeout, retries exhausted, storage unreachable), every
            // caller of the batch hears of it, and the next batch starts afresh.
            LogBatchUnanswered(_logger, items.Sum(i => i.Actions.Count), ex);
            foreach (var item in items)
            {
                item.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>Commits one partition's rows: in one transaction, or group by group when storage refused the transaction.</summary>
    private async Task CommitPartitionAsync(PendingWrite[] items)
    {
        // A lone row needs no batch envelope: a plain write is one round trip too, and cheaper to serve.
        // One row per entity per transaction: the same request cannot be both recorded and retired in one batch.
        var actions = items.SelectMany(i => i.Actions).ToList();
        if (items.Length > 1 && actions.Select(a => a.Entity.RowKey).Distinct(StringComparer.Ordinal).Count() == actions.Count)
        {
            try
            {
                await SubmitTransactionAsync(actions);
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _rows, actions.Count);
                StorageMetrics.BatchRows.Record(actions.Count, _batchTag);
                foreach (var item in items)
                {
                    Committed(item);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status != 0)
            {
                // Storage answered and refused: one bad row (say, retiring an intent already retired)
                // fails the whole transaction, so fall back to one group at a time and it fails only
                // its own. A failure without an answer is not retried here: it fails the batch.
                LogBatchFailed(_logger, actions.Count, ex);
            }
        }

        foreach (var item in items)
        {
            await CommitOneAsync(item);
        }
    }

    private async Task CommitOneAsync(PendingWrite item)
    {
        try
        {
            // A lone row goes as a plain write of one entity (TableTransactions).
            await SubmitTransactionAsync(item.Actions);

            Interlocked.Increment(ref _commits);
            Interlocked.Add(ref _rows, item.Actions.Count);
            StorageMetrics.BatchRows.Record(item.Actions.Count, _batchTag);
            Committed(item);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412 && item.Actions.All(a => a.ActionType == TableTransactionActionType.Delete))
        {
            // Gone already, or replaced since (a delete names the version it means): nothing to retire.
            Committed(item);
        }
        catch (Exception ex)
        {
            item.Completion.TrySetException(ex);
        }
    }

    /// <summary>Its caller hears that it landed, and how long that took is recorded by writer.</summary>
    private void Committed(PendingWrite item)
    {
        StorageMetrics.CommitWait.Record(_time.GetElapsedTime(item.Submitted).TotalSeconds, _batchTag);
        item.Completion.TrySetResult();
    }

    private Task SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions) => _transactions.SubmitAsync(_table, actions);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump;
        for (var i = 0; i < _commitsInFlight; i++)
        {
            await _commitSlots.WaitAsync();
        }
    }

    /// <param name="Submitted">When its caller submitted it, on the writer's clock (<see cref="TimeProvider.GetTimestamp"/>).</param>
    private sealed record PendingWrite(IReadOnlyList<TableTransactionAction> Actions, long Submitted)
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch of {Count} rows refused by storage; retrying group by group")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch of {Count} rows failed; each of its callers gets the failure")]
    private static partial void LogBatchUnanswered(ILogger logger, int count, Exception exception);
}
