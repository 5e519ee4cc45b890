using System.Collections.Concurrent;

namespace Gateway.Benchmarks;

/// <summary>Failed requests by kind, with the first few distinct bodies kept verbatim so a bad run can be diagnosed from its output.</summary>
internal sealed class ErrorTally
{
    private const int MaxSamples = 5;

    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _samples = new(StringComparer.Ordinal);
    private int _total;

    public int Total => Volatile.Read(ref _total);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public IEnumerable<string> Samples => _samples.Keys.Order(StringComparer.Ordinal);

    public void Record(string kind, string detail)
    {
        Interlocked.Increment(ref _total);
        _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (_samples.Count < MaxSamples)
        {
            _samples.TryAdd($"{kind}: {detail}", 0);
        }
    }
}
