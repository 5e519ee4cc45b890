using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>The figures of one measured phase; latencies are of successful requests only.</summary>
internal sealed class ScenarioResult
{
    private readonly LatencyFigures _latencies;

    public ScenarioResult(Scenario scenario, int clients, int requests, TimeSpan elapsed, IEnumerable<double> latenciesMs, ErrorTally errors)
    {
        Scenario = scenario;
        Clients = clients;
        Requests = requests;
        Elapsed = elapsed;
        Errors = errors;
        _latencies = new LatencyFigures(latenciesMs);
    }

    public Scenario Scenario { get; }

    public int Clients { get; }

    public int Requests { get; }

    public TimeSpan Elapsed { get; }

    public ErrorTally Errors { get; }

    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    /// <summary>Successful responses per second: the throughput figure, which failed requests do not inflate.</summary>
    public double ResponsesPerSecond => Responses / Elapsed.TotalSeconds;

    /// <summary>Requests answered 200 with a usage block: what the per-response figures divide by.</summary>
    public int Responses => _latencies.Count;

    /// <summary>Every request's start (ms into the phase) and latency (NaN when it failed), in the order they were sent.</summary>
    public IReadOnlyList<(double StartMs, double LatencyMs)> Timeline { get; init; } = [];

    /// <summary>What the proxy process spent on this phase; null for the simulator called directly.</summary>
    public ProxyUsage? Usage { get; set; }

    public double CpuMsPerResponse => Usage is { } u && Responses > 0 ? u.Cpu.TotalMilliseconds / Responses : double.NaN;

    /// <summary>Azurite's CPU time over the phase per response; NaN when unknown (storage not started by the benchmark, or not a gateway scenario).</summary>
    public double StorageCpuMsPerResponse => Usage?.StorageCpu is { } c && Responses > 0 ? c.TotalMilliseconds / Responses : double.NaN;

    /// <summary>Milliseconds the proxy's JIT spent compiling during the phase (near zero when the process was warm).</summary>
    public double JitMs => Usage?.Runtime?.CompileMs ?? double.NaN;

    /// <summary>Kilobytes the proxy allocated per response over the phase (NaN when unknown).</summary>
    public double AllocatedKbPerResponse => Usage?.Runtime is { } j && Responses > 0 ? j.AllocatedBytes / 1024.0 / Responses : double.NaN;

    public double TransactionsPerRequest => Usage?.Storage is { } s ? s.Transactions / (double)Requests : double.NaN;

    public double EntityWritesPerRequest => Usage?.Storage is { } s ? s.EntityWrites / (double)Requests : double.NaN;

    public double P50Ms => _latencies.P50;

    public double P99Ms => _latencies.P99;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Scenario.Name} ({Clients} clients): {RequestsPerSecond:F0} req/s, p50 {P50Ms:F2} ms, p99 {P99Ms:F2} ms, {Errors.Total} errors");
}
