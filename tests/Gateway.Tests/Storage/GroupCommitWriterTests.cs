using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Storage.Metrics;
using Gateway.Storage.Transactions;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Storage;

/// <summary>
/// The group-commit writer against Azurite, with a switch in its HTTP pipeline that makes storage
/// stop answering: every caller of a failed batch must hear of the failure, and later batches go on;
/// with transactions sent through the SDK and through the gateway's own <see cref="TableTransactions"/>.
/// </summary>
public sealed class GroupCommitWriterTests : IAsyncLifetime
{
    private const int Rows = 20;
    private readonly string _tableName = TestStorage.NewPrefix() + "groupcommit";
    private readonly StallSwitch _switch = new();

    public async Task InitializeAsync() => await new TableClient(TestStorage.ConnectionString, _tableName).CreateIfNotExistsAsync();

    public async Task DisposeAsync() => await new TableClient(TestStorage.ConnectionString, _tableName).DeleteAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_that_times_out_fails_every_caller_and_the_next_batch_commits(bool handWritten)
    {
        // No retries: the network timeout itself (a TaskCanceledException) reaches the writer.
        await using var writer = NewWriter(maxRetries: 0, handWritten);

        _switch.Stalled = true;
        var failed = await SubmitAllAsync(writer, "stalled");
        Assert.All(failed, t => Assert.IsAssignableFrom<OperationCanceledException>(t.Exception!.InnerException));
        Assert.Contains(_switch.Paths, p => p.Contains("$batch", StringComparison.Ordinal));

        _switch.Stalled = false;
        var committed = await SubmitAllAsync(writer, "after");
        Assert.All(committed, t => Assert.True(t.IsCompletedSuccessfully, t.Exception?.InnerException?.GetType().Name + ": " + t.Exception?.InnerException?.Message));
        Assert.Equal(Rows, await CountAsync("after"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_whose_retries_run_out_fails_every_caller_and_the_next_batch_commits(bool handWritten)
    {
        // Retries on: after the last one the storage client throws an AggregateException of them all.
        await using var writer = NewWriter(maxRetries: 1, handWritten);

        _switch.Stalled = true;
        var failed = await SubmitAllAsync(writer, "stalled");
        Assert.Contains(failed, t => t.Exception!.InnerException is AggregateException);
        Assert.Contains(_switch.Paths, p => p.Contains("$batch", StringComparison.Ordinal));

        _switch.Stalled = false;
        var committed = await SubmitAllAsync(writer, "after");
        Assert.All(committed, t => Assert.True(t.IsCompletedSuccessfully, t.Exception?.InnerException?.GetType().Name + ": " + t.Exception?.InnerException?.Message));
        Assert.Equal(Rows, await CountAsync("after"));
    }

    [Fact]
    public async Task A_lingering_writer_sends_a_backlog_in_full_transactions_without_waiting_out_its_linger()
    {
        // The clock stands still: whatever commits did not wait for the linger. Before, every
        // transaction waited it out, which capped a writer at 100 rows per linger (retirements at
        // 500 rows/s) and let the journal grow without bound under a load past that.
        var time = new FakeTimeProvider();
        // Disposed only once it has committed everything: a writer stuck on the stopped clock would never finish disposing.
        var writer = new GroupCommitWriter(new TableClient(TestStorage.ConnectionString, _tableName), NullLogger.Instance,
            linger: TimeSpan.FromMinutes(1), time: time);
        var tasks = Enumerable.Range(0, 250)
            .Select(i => writer.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("backlog", $"row-{i:D3}"))))
            .ToList();

        await Poll.UntilAsync(() => Task.FromResult(tasks.Count(t => t.IsCompletedSuccessfully)), n => n == 200, TimeSpan.FromSeconds(30), "two full transactions to commit without the clock moving");
        Assert.Equal(200, await CountAsync("backlog"));
        Assert.Equal(50, tasks.Count(t => !t.IsCompleted));
        Assert.Equal((2, 200), writer.Statistics);

        // The rest is less than a transaction's worth: it waits for the linger.
        // (Moved on at each poll: the pump may not have started its wait when the clock first moves.)
        await Poll.UntilAsync(() =>
        {
            time.Advance(TimeSpan.FromMinutes(1));
            return Task.FromResult(tasks.All(t => t.IsCompletedSuccessfully));
        }, TimeSpan.FromSeconds(30), "the last rows to commit once the linger has passed");
        Assert.Equal(250, await CountAsync("backlog"));
        Assert.Equal((3, 250), writer.Statistics);
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task Each_committed_row_records_its_wait_under_its_writers_name_and_a_failed_one_records_none()
    {
        // Its own writer name, so rows of writers in tests running beside it are not counted.
        var name = "wait-" + Guid.NewGuid().ToString("N")[..8];
        var waits = new ConcurrentQueue<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == StorageMetrics.MeterName && instrument.Name == StorageMetrics.CommitWaitInstrument)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == StorageMetrics.WriterTag && Equals(tag.Value, name))
                {
                    waits.Enqueue(value);
                }
            }
        });
        listener.Start();
        await using var writer = NewWriter(maxRetries: 0, handWritten: true, name);

        // Storage that answers no sooner than 50 ms: every row's wait is at least that.
        _switch.Delay = TimeSpan.FromMilliseconds(50);
        var committed = await SubmitAllAsync(writer, "waited");
        Assert.All(committed, t => Assert.True(t.IsCompletedSuccessfully, t.Exception?.InnerException?.Message));
        var lone = writer.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("waited", "lone")));
        await lone.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Rows + 1, waits.Count);
        Assert.All(waits, w => Assert.InRange(w, 0.05, 30));

        // Rows that never landed were not committed: no wait of theirs is recorded.
        _switch.Stalled = true;
        var failed = await SubmitAllAsync(writer, "stalled");
        Assert.All(failed, t => Assert.True(t.IsFaulted));
        Assert.Equal(Rows + 1, waits.Count);
    }

    /// <param name="handWritten">Transactions through <see cref="TableTransactions"/> (as the journal sends them), or through the SDK.</param>
    private GroupCommitWriter NewWriter(int maxRetries, bool handWritten, string name = "other")
    {
        var options = new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(_switch)) };
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        // Waited out once per attempt while stalled; and the limit of every real round trip after it,
        // which on a machine busy with the rest of the suite took over 300 ms (the value until 2026-12-02).
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(2);
        return new GroupCommitWriter(new TableClient(TestStorage.ConnectionString, _tableName, options), NullLogger.Instance, name: name,
            transactions: handWritten ? TableTransactions.ForConnectionString(TestStorage.ConnectionString, options) : null);
    }

    /// <summary>Submits a partition's worth of rows at once and waits, with a deadline, for every caller to hear back.</summary>
    private static async Task<IReadOnlyList<Task>> SubmitAllAsync(GroupCommitWriter writer, string partition)
    {
        var tasks = Enumerable.Range(0, Rows)
            .Select(i => writer.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, $"row-{i:D3}"))))
            .ToList();
        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{tasks.Count(t => !t.IsCompleted)} of {Rows} callers were never answered");
        }
        catch (Exception)
        {
            // Failures are what some tests expect; each task is inspected by the caller.
        }

        return tasks;
    }

    private async Task<int> CountAsync(string partition)
    {
        var count = 0;
        await foreach (var _ in new TableClient(TestStorage.ConnectionString, _tableName).QueryAsync<TableEntity>(e => e.PartitionKey == partition))
        {
            count++;
        }

        return count;
    }

    /// <summary>Passes requests to Azurite, or, while stalled, holds them until the client gives up.</summary>
    private sealed class StallSwitch() : DelegatingHandler(new SocketsHttpHandler())
    {
        public volatile bool Stalled;

        /// <summary>How long each request is held before it is passed on: a slower store.</summary>
        public TimeSpan Delay { get; set; }

        public ConcurrentQueue<string> Paths { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Paths.Enqueue(request.RequestUri!.AbsolutePath);
            if (Stalled)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
