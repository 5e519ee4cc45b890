using System.Diagnostics.Metrics;
using Azure.Data.Tables;
using Gateway.Storage.Metrics;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Storage;

/// <summary>
/// The storage counters the benchmark reports, against Azurite: each HTTP request is one transaction,
/// and a $batch writes as many entities as it carries.
/// </summary>
public sealed class StorageTransactionCountingTests : IAsyncLifetime, IDisposable
{
    private readonly TableClient _table = new(TestStorage.ConnectionString, TestStorage.NewPrefix() + "counting", new TableClientOptions().WithTransactionCounting(StorageMetrics.AccountOf(TestStorage.ConnectionString)));
    private readonly MeterListener _listener = new();
    private long _transactions;
    private long _entityWrites;

    public StorageTransactionCountingTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StorageMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            Interlocked.Add(ref instrument.Name == StorageMetrics.TransactionsInstrument ? ref _transactions : ref _entityWrites, value));
        _listener.Start();
    }

    public async Task InitializeAsync() => await _table.CreateIfNotExistsAsync();

    public async Task DisposeAsync() => await _table.DeleteAsync();

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task A_batch_is_one_transaction_that_writes_each_entity_it_carries()
    {
        await AssertCountsAsync(1, 3, () => _table.SubmitTransactionAsync(
            Enumerable.Range(0, 3).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}")))));
        await AssertCountsAsync(1, 2, () => _table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "r0") { ["Note"] = "line one\r\nHTTP/1.1\r\n" }),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "r1")),
        ]));
    }

    [Fact]
    public async Task Plain_writes_count_one_entity_and_reads_none()
    {
        await AssertCountsAsync(1, 1, () => _table.AddEntityAsync(new TableEntity("p", "one")));
        await AssertCountsAsync(1, 1, () => _table.UpsertEntityAsync(new TableEntity("p", "one") { ["Note"] = "again" }));
        await AssertCountsAsync(1, 0, () => _table.GetEntityAsync<TableEntity>("p", "one"));
        await AssertCountsAsync(1, 1, () => _table.DeleteEntityAsync("p", "one"));
    }

    private async Task AssertCountsAsync(long transactions, long entityWrites, Func<Task> storageCall)
    {
        var (transactionsBefore, writesBefore) = (Interlocked.Read(ref _transactions), Interlocked.Read(ref _entityWrites));
        await storageCall();
        Assert.Equal(transactions, Interlocked.Read(ref _transactions) - transactionsBefore);
        Assert.Equal(entityWrites, Interlocked.Read(ref _entityWrites) - writesBefore);
    }
}
