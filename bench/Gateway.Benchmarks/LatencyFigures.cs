namespace Gateway.Benchmarks;

/// <summary>Percentiles of a set of latencies, by nearest rank.</summary>
internal sealed class LatencyFigures(IEnumerable<double> latenciesMs)
{
    private readonly double[] _sorted = [.. latenciesMs.Order()];

    public int Count => _sorted.Length;

    public double P50 => At(0.50);

    public double P99 => At(0.99);

    /// <summary>The smallest latency that at least the given fraction did not exceed; NaN when there are none.</summary>
    public double At(double fraction) =>
        _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(fraction * _sorted.Length) - 1, 0, _sorted.Length - 1)];
}
