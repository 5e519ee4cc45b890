using System.Diagnostics.Metrics;

namespace Gateway.Storage.Metrics;

/// <summary>
/// The storage calls of this process over the last minute, for the console's cluster page: read
/// from this process's own <c>gateway.storage.duration</c> and <c>gateway.storage.failures</c>
/// through a <see cref="MeterListener"/>. The listener starts on the first read, so a process whose
/// cluster page nobody opens pays nothing for it; until a minute has passed since then the window
/// is shorter (<see cref="StorageLatencySummary.Since"/> says so).
/// </summary>
public sealed class StorageLatencyWindow(TimeProvider time) : IDisposable
{
    /// <summary>Long enough to smooth one slow call out, short enough to show an incident as it happens.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // A bounded ring: under load the minute holds more calls than this, and the latest ones stand for it.
    private const int Capacity = 16_384;

    private readonly Lock _gate = new();
    private readonly long[] _at = new long[Capacity];
    private readonly double[] _seconds = new double[Capacity];
    private readonly Queue<long> _failures = new();
    private int _next;
    private int _count;
    private MeterListener? _listener;
    private DateTimeOffset _since;

    public StorageLatencySummary Read()
    {
        Start();
        var now = time.GetTimestamp();
        var samples = new List<double>();
        int failures;
        lock (_gate)
        {
            for (var i = 0; i < _count; i++)
            {
                var slot = (_next - 1 - i + Capacity) % Capacity;
                if (time.GetElapsedTime(_at[slot], now) > Window)
                {
                    break;
                }

                samples.Add(_seconds[slot]);
            }

            while (_failures.TryPeek(out var at) && time.GetElapsedTime(at, now) > Window)
            {
                _failures.Dequeue();
            }

            failures = _failures.Count;
        }

        samples.Sort();
        return new StorageLatencySummary(Window.TotalSeconds, _since, samples.Count, failures,
            Milliseconds(Percentile(samples, 0.50)), Milliseconds(Percentile(samples, 0.95)), Milliseconds(samples.Count == 0 ? null : samples[^1]));
    }

    public void Dispose() => _listener?.Dispose();

    private void Start()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }

            _since = time.GetUtcNow();
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (ReferenceEquals(instrument, StorageMetrics.Duration) || ReferenceEquals(instrument, StorageMetrics.Failures))
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => RecordDuration(seconds));
            _listener.SetMeasurementEventCallback<long>((_, _, _, _) => RecordFailure());
            _listener.Start();
        }
    }

    private void RecordDuration(double seconds)
    {
        var at = time.GetTimestamp();
        lock (_gate)
        {
            _at[_next] = at;
            _seconds[_next] = seconds;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    private void RecordFailure()
    {
        var at = time.GetTimestamp();
        lock (_gate)
        {
            // Failures are few; bounded all the same, like the ring.
            if (_failures.Count >= Capacity)
            {
                _failures.Dequeue();
            }

            _failures.Enqueue(at);
        }
    }

    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double? Milliseconds(double? seconds) => seconds is { } s ? Math.Round(s * 1000, 2) : null;
}
