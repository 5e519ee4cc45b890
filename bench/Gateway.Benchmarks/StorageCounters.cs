using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gateway.Storage.Metrics;

namespace Gateway.Benchmarks;

/// <summary>
/// Inside the gateway's process: listens to the meter <c>Gateway.Storage</c> and keeps running totals,
/// which the benchmark reads over HTTP before and after each scenario.
/// </summary>
internal sealed class StorageCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _transactions;
    private long _reads;
    private long _batches;
    private long _entityWrites;
    private readonly ConcurrentDictionary<string, long> _transactionsByTable = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _entityWritesByTable = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _commitsByWriter = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _rowsByWriter = new(StringComparer.Ordinal);

    // Each intent's wait from its submission to its commit, in ms, while collecting: only between a
    // start and a take, so the scenarios before the 1-client run neither fill memory nor pay for it.
    private readonly ConcurrentQueue<double> _intentWaits = new();
    private volatile bool _collectingWaits;

    /// <summary>Rows per committed transaction of a group-commit writer, tagged with the writer: one measurement per transaction.</summary>
    private const string BatchSizeInstrument = "gateway.journal.batch_size";

    public StorageCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Transactions, entity writes, rows per transaction and how long rows wait to be committed:
            // the meter's other instruments (durations of each call, failures) are not wanted here.
            if (instrument.Meter.Name == StorageMetrics.MeterName
                && instrument.Name is StorageMetrics.TransactionsInstrument or StorageMetrics.EntityWritesInstrument or BatchSizeInstrument or StorageMetrics.CommitWaitInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<double>(OnWait);
        _listener.Start();
    }

    /// <summary>The totals so far; tables named without <paramref name="tablePrefix"/>.</summary>
    public StorageCount Read(string tablePrefix) => new(Interlocked.Read(ref _transactions), Interlocked.Read(ref _reads), Interlocked.Read(ref _batches), Interlocked.Read(ref _entityWrites))
    {
        TransactionsByTable = ByTable(_transactionsByTable, tablePrefix),
        EntityWritesByTable = ByTable(_entityWritesByTable, tablePrefix),
        CommitsByWriter = new Dictionary<string, long>(_commitsByWriter, StringComparer.Ordinal),
        RowsByWriter = new Dictionary<string, long>(_rowsByWriter, StringComparer.Ordinal),
    };

    /// <summary>
    /// With <paramref name="start"/>, forgets what it holds and collects from now; without, hands over how
    /// long each intent waited to be committed (ms) since the start, the journal's part of a request's
    /// wait, and stops collecting.
    /// </summary>
    public double[] TakeIntentWaits(bool start)
    {
        _collectingWaits = start;
        var taken = new List<double>();
        while (_intentWaits.TryDequeue(out var wait))
        {
            taken.Add(wait);
        }

        return start ? [] : [.. taken];
    }

    private void OnWait(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            // Bounded, in case nobody takes them: the 1-client run the figure is for sends a few thousand at most.
            if (_collectingWaits && tag.Key == StorageMetrics.WriterTag && tag.Value is "intents" && _intentWaits.Count < 1_000_000)
            {
                _intentWaits.Enqueue(seconds * 1000);
            }
        }
    }

    private static Dictionary<string, long> ByTable(ConcurrentDictionary<string, long> counts, string prefix) =>
        counts.ToDictionary(c => c.Key.StartsWith(prefix, StringComparison.Ordinal) && c.Key.Length > prefix.Length ? c.Key[prefix.Length..] : c.Key, c => c.Value, StringComparer.Ordinal);

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == BatchSizeInstrument)
        {
            var writer = "?";
            foreach (var tag in tags)
            {
                if (tag.Key == StorageMetrics.WriterTag && tag.Value is string name)
                {
                    writer = name;
                }
            }

            _commitsByWriter.AddOrUpdate(writer, 1, (_, total) => total + 1);
            _rowsByWriter.AddOrUpdate(writer, value, (_, total) => total + value);
            return;
        }

        var table = "?";
        foreach (var tag in tags)
        {
            if (tag.Key == StorageMetrics.TableTag && tag.Value is string name)
            {
                table = name;
            }
        }

        if (instrument.Name == StorageMetrics.EntityWritesInstrument)
        {
            Interlocked.Add(ref _entityWrites, value);
            _entityWritesByTable.AddOrUpdate(table, value, (_, total) => total + value);
            return;
        }

        Interlocked.Add(ref _transactions, value);
        _transactionsByTable.AddOrUpdate(table, value, (_, total) => total + value);
        foreach (var tag in tags)
        {
            if (tag.Key == StorageMetrics.OperationTag)
            {
                switch (tag.Value as string)
                {
                    case "read":
                        Interlocked.Add(ref _reads, value);
                        break;
                    case "batch":
                        Interlocked.Add(ref _batches, value);
                        break;
                }
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
