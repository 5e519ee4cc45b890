using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Logging;

namespace Gateway.Storage;

/// <summary>
/// Group commit onto one table: whatever operations queue up while earlier commits are in flight
/// go out together, one Table transaction per partition (up to 100 rows). Round trips per operation
/// therefore fall as load rises. A batch that storage refuses is retried row by row, so one bad
/// row fails only itself; a batch that fails any other way (a timeout, retries exhausted, no
/// connection) fails every one of its callers with that exception. Every caller's task completes.
/// </summary>
public sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private const int MaxConcurrentCommits = 4;

    private readonly TableClient _table;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _commitSlots = new(MaxConcurrentCommits);
    private readonly Task _pump;
    private long _commits;
    private long _rows;

    public GroupCommitWriter(TableClient table, ILogger logger)
    {
        _table = table;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Commits so far and rows in them: their ratio is the batching achieved.</summary>
    public (long Commits, long Rows) Statistics => (Interlocked.Read(ref _commits), Interlocked.Read(ref _rows));

    /// <summary>Completes once the operation is committed (alone or in a batch); faults only with its own failure.</summary>
    public Task SubmitAsync(TableTransactionAction action)
    {
        var pending = new PendingWrite(action);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter));
        }

        return pending.Completion.Task;
    }

    private async Task PumpAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingWrite>(AuditBatch.MaxRows);
        while (await reader.WaitToReadAsync())
        {
            await _commitSlots.WaitAsync();
            batch.Clear();
            while (batch.Count < AuditBatch.MaxRows && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count == 0)
            {
                _commitSlots.Release();
                continue;
            }

            var copy = batch.ToArray();
            _ = CommitAsync(copy);
        }
    }

    private async Task CommitAsync(PendingWrite[] writes)
    {
        try
        {
            foreach (var group in writes.GroupBy(w => w.Action.Entity.PartitionKey))
            {
                var items = group.ToArray();
                try
                {
                    await CommitPartitionAsync(items);
                }
                catch (Exception ex)
                {
                    // Whatever went wrong (a timeout, retries exhausted, storage unreachable), every
                    // caller of the batch hears of it, and the next batch starts afresh.
                    LogBatchUnanswered(_logger, items.Length, ex);
                    foreach (var item in items)
                    {
                        item.Completion.TrySetException(ex);
                    }
                }
            }
        }
        finally
        {
            _commitSlots.Release();
        }
    }

    /// <summary>Commits one partition's rows: in one transaction, or row by row when storage refused the transaction.</summary>
    private async Task CommitPartitionAsync(PendingWrite[] items)
    {
        // A lone row needs no batch envelope: a plain write is one round trip too, and cheaper to serve.
        // One row per entity per transaction: the same request cannot be both recorded and retired in one batch.
        if (items.Length > 1 && items.Select(i => i.Action.Entity.RowKey).Distinct().Count() == items.Length)
        {
            try
            {
                await _table.SubmitTransactionAsync(items.Select(i => i.Action));
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _rows, items.Length);
                foreach (var item in items)
                {
                    item.Completion.TrySetResult();
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status != 0)
            {
                // Storage answered and refused: one bad row (say, retiring an intent already retired)
                // fails the whole transaction, so fall back to one row at a time and it fails only
                // itself. A failure without an answer is not retried here: it fails the batch.
                LogBatchFailed(_logger, items.Length, ex);
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
            if (item.Action.ActionType == TableTransactionActionType.Delete)
            {
                await _table.DeleteEntityAsync(item.Action.Entity.PartitionKey, item.Action.Entity.RowKey, ETag.All);
            }
            else
            {
                await _table.UpsertEntityAsync(item.Action.Entity, TableUpdateMode.Replace);
            }

            Interlocked.Increment(ref _commits);
            Interlocked.Increment(ref _rows);
            item.Completion.TrySetResult();
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && item.Action.ActionType == TableTransactionActionType.Delete)
        {
            item.Completion.TrySetResult();
        }
        catch (Exception ex)
        {
            item.Completion.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump;
        for (var i = 0; i < MaxConcurrentCommits; i++)
        {
            await _commitSlots.WaitAsync();
        }
    }

    private sealed record PendingWrite(TableTransactionAction Action)
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch of {Count} rows refused by storage; retrying row by row")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch of {Count} rows failed; each of its callers gets the failure")]
    private static partial void LogBatchUnanswered(ILogger logger, int count, Exception exception);
}
