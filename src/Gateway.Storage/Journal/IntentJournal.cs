using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Logging;

namespace Gateway.Storage.Journal;

/// <summary>
/// The silo's intent journal with group commit: every intent and retirement written by any key's
/// grain on this silo goes into one partition, and whatever queued up while the previous commit was
/// in flight goes out together in one Table transaction (up to 100 rows). Round trips per request
/// therefore fall as load rises, across keys and not only within one.
/// </summary>
public sealed partial class IntentJournal : IAsyncDisposable
{
    private const int MaxConcurrentCommits = 4;

    private readonly GatewayTables _tables;
    private readonly ILogger<IntentJournal> _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _commitSlots = new(MaxConcurrentCommits);
    private readonly Task _pump;
    private long _commits;
    private long _rows;

    public IntentJournal(GatewayTables tables, ILogger<IntentJournal> logger)
    {
        _tables = tables;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Commits so far and rows in them: their ratio is the batching achieved.</summary>
    public (long Commits, long Rows) Statistics => (Interlocked.Read(ref _commits), Interlocked.Read(ref _rows));

    /// <summary>Durably records an intent; completes only once the row is committed.</summary>
    public Task RecordAsync(IntentEntry entry) =>
        Enqueue(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entry.ToEntity()));

    /// <summary>Retires a settled intent. A retirement that fails only leaves work for the sweeper.</summary>
    public Task RetireAsync(string partition, string requestId) =>
        Enqueue(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, requestId), ETag.All));

    /// <summary>Open intents of one key in any silo's journal. The journal only holds requests in flight, so it stays small.</summary>
    public async Task<IReadOnlyList<IntentEntry>> FindByKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var list = new List<IntentEntry>();
        await foreach (var entity in _tables.Journal.QueryAsync<TableEntity>($"KeyId eq {TableKeys.Quote(keyId)}", cancellationToken: cancellationToken))
        {
            list.Add(IntentEntry.FromEntity(entity));
        }

        return list;
    }

    /// <summary>Intents opened before a point in time, in any silo's journal.</summary>
    public async Task<IReadOnlyList<IntentEntry>> FindOpenedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var list = new List<IntentEntry>();
        var filter = TableClient.CreateQueryFilter($"StartedAt lt {before}");
        await foreach (var entity in _tables.Journal.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(IntentEntry.FromEntity(entity));
        }

        return list;
    }

    private Task Enqueue(TableTransactionAction action)
    {
        var pending = new PendingWrite(action);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(IntentJournal));
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
                    // One row per entity per transaction: the same request cannot be both recorded and retired in one batch.
                    if (items.Select(i => i.Action.Entity.RowKey).Distinct().Count() == items.Length)
                    {
                        await _tables.Journal.SubmitTransactionAsync(items.Select(i => i.Action));
                        Interlocked.Increment(ref _commits);
                        Interlocked.Add(ref _rows, items.Length);
                        foreach (var item in items)
                        {
                            item.Completion.TrySetResult();
                        }

                        continue;
                    }
                }
                catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
                {
                    LogBatchFailed(_logger, items.Length, ex.Message);
                }

                // Fall back to one row at a time so one bad row (say, retiring an intent already
                // retired) fails only itself.
                foreach (var item in items)
                {
                    await CommitOneAsync(item);
                }
            }
        }
        finally
        {
            _commitSlots.Release();
        }
    }

    private async Task CommitOneAsync(PendingWrite item)
    {
        try
        {
            if (item.Action.ActionType == TableTransactionActionType.Delete)
            {
                await _tables.Journal.DeleteEntityAsync(item.Action.Entity.PartitionKey, item.Action.Entity.RowKey, ETag.All);
            }
            else
            {
                await _tables.Journal.UpsertEntityAsync(item.Action.Entity, TableUpdateMode.Replace);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal batch of {Count} rows failed ({Reason}); retrying row by row")]
    private static partial void LogBatchFailed(ILogger logger, int count, string reason);
}
