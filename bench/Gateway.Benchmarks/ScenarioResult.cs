using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>The figures of one measured phase; latencies are of successful requests only.</summary>
internal sealed class ScenarioResult
{
    private readonly double[] _sortedLatenciesMs;

    public ScenarioResult(Scenario scenario, int requests, TimeSpan elapsed, IEnumerable<double> latenciesMs, ErrorTally errors)
    {
        Scenario = scenario;
        Requests = requests;
        Elapsed = elapsed;
        Errors = errors;
        _sortedLatenciesMs = [.. latenciesMs.Order()];
    }

    public Scenario Scenario { get; }

    public int Requests { get; }

    public TimeSpan Elapsed { get; }

    public ErrorTally Errors { get; }

    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public double P50Ms => Percentile(0.50);

    public double P99Ms => Percentile(0.99);

    /// <summary>Nearest rank: the smallest latency that at least the given fraction of requests did not exceed.</summary>
    public double Percentile(double fraction)
    {
        if (_sortedLatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(fraction * _sortedLatenciesMs.Length);
        return _sortedLatenciesMs[Math.Clamp(rank - 1, 0, _sortedLatenciesMs.Length - 1)];
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Scenario.Name}: {RequestsPerSecond:F0} req/s, p50 {P50Ms:F2} ms, p99 {P99Ms:F2} ms, {Errors.Total} errors");
}
