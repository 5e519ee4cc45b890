using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>
/// Issue 10's targets, printed as PASS or FAIL beside the figures they judge. They are benchmark
/// targets, not tests: a FAIL is a finding, and does not change the exit code (the ledger check does).
/// </summary>
internal static class Targets
{
    private const double MinThroughputRatio = 0.25;
    private const double MaxCpuRatio = 3.0;
    private const double MaxTransactionsPerRequest = 0.2;
    private const int TransactionClients = 64;
    private const long MaxGrainBytes = 1L << 30;
    private const int GrainTarget = 100_000;

    public static void Print(IReadOnlyList<ScenarioResult> results, LatencyProbe? latency, GrainMemoryResult? grains, TextWriter output)
    {
        var lines = new List<string>();
        var pairs = Report.Pairs(results).Where(p => p.Floor.Scenario.Target == ScenarioTarget.BareForwarder).ToList();
        foreach (var (gateway, floor) in pairs)
        {
            var ratio = gateway.ResponsesPerSecond / floor.ResponsesPerSecond;
            lines.Add(Line(double.IsFinite(ratio) && ratio >= MinThroughputRatio,
                $"{gateway.Scenario.Name}: responses/s {ratio:F3}x the bare forwarder's ({gateway.ResponsesPerSecond:N0} / {floor.ResponsesPerSecond:N0}); target >= {MinThroughputRatio:F2}x"));
        }

        foreach (var (gateway, floor) in pairs)
        {
            var ratio = gateway.CpuMsPerResponse / floor.CpuMsPerResponse;
            lines.Add(Line(double.IsFinite(ratio) && ratio <= MaxCpuRatio,
                $"{gateway.Scenario.Name}: CPU per response {ratio:F3}x the bare forwarder's ({gateway.CpuMsPerResponse:F3} / {floor.CpuMsPerResponse:F3} ms); target <= {MaxCpuRatio:F0}x"));
        }

        if (results.FirstOrDefault(r => r.Scenario is { Target: ScenarioTarget.Gateway, Workload: KeyWorkload.ManyKeys, Streaming: false }) is { Usage.Storage: not null } keys)
        {
            var at = keys.Clients == TransactionClients ? "" : $" (measured at {keys.Clients} clients, the target is at {TransactionClients})";
            lines.Add(Line(keys.TransactionsPerRequest <= MaxTransactionsPerRequest,
                $"{keys.Scenario.Name}: {keys.TransactionsPerRequest:F3} storage transactions per request; target <= {MaxTransactionsPerRequest:F1} at {TransactionClients} clients over 50 keys{at}"));
        }

        if (latency is { } probe && double.IsFinite(probe.AddedP50Ms) && double.IsFinite(probe.BoundMs))
        {
            lines.Add(Line(probe.AddedP50Ms <= probe.BoundMs,
                $"added p50 at 1 client {probe.AddedP50Ms:F2} ms; target <= one storage round trip ({probe.StorageRoundTrip!.P50:F2} ms) + {LatencyProbe.AllowanceMs} ms = {probe.BoundMs:F2} ms"));
        }

        if (grains is { Reached: > 0 } g)
        {
            var atTarget = g.ResidentBytesPerGrain * GrainTarget;
            var how = g.Reached >= GrainTarget ? "measured" : $"EXTRAPOLATED from {g.Reached:N0}";
            lines.Add(Line(atTarget <= MaxGrainBytes,
                $"{GrainTarget:N0} active key grains: {atTarget / 1048576:N0} MiB resident ({how}, {g.ResidentBytesPerGrain:N0} bytes per grain); target <= 1 GiB"));
        }

        if (lines.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("  targets (issue 10; benchmark targets, not tests):");
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static string Line(bool pass, FormattableString text) =>
        $"    {(pass ? "PASS" : "FAIL")}  {text.ToString(CultureInfo.InvariantCulture)}";
}
