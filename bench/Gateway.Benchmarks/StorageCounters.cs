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

    public StorageCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StorageMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public StorageCount Read() => new(Interlocked.Read(ref _transactions), Interlocked.Read(ref _reads), Interlocked.Read(ref _batches), Interlocked.Read(ref _entityWrites));

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == StorageMetrics.EntityWritesInstrument)
        {
            Interlocked.Add(ref _entityWrites, value);
            return;
        }

        Interlocked.Add(ref _transactions, value);
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
