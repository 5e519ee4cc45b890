using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Gateway.Benchmarks;

/// <summary>Prints the figures as aligned tables, then each gateway scenario against its direct baseline.</summary>
internal static class Report
{
    public static void PrintHeader(BenchOptions options, TextWriter output)
    {
        output.WriteLine(Invariant($"Gateway benchmark: {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC"));
        output.WriteLine(Invariant($"  {options.Requests:N0} requests per scenario after {options.WarmupRequests:N0} warm-up, {options.Concurrency} concurrent workers, {options.Keys} keys for the many-keys scenarios"));
        output.WriteLine(Invariant($"  chat completions, gpt-4o-mini, max_tokens 16; simulator latency {options.SimulatorLatencyMs} ms; client, gateway and simulator share this machine"));
        output.WriteLine();
    }

    public static void PrintResults(IReadOnlyList<ScenarioResult> results, TextWriter output)
    {
        output.WriteLine(Invariant($"  {"scenario",-16} {"path",-30} {"requests",9} {"errors",7} {"req/s",9} {"p50 ms",9} {"p99 ms",9}"));
        output.WriteLine("  " + new string('-', 95));
        foreach (var r in results)
        {
            output.WriteLine(Invariant(
                $"  {r.Scenario.Name,-16} {r.Scenario.Description,-30} {r.Requests,9:N0} {r.Errors.Total,7:N0} {r.RequestsPerSecond,9:N0} {Ms(r.P50Ms),9} {Ms(r.P99Ms),9}"));
        }

        output.WriteLine();
        var pairs = results
            .Where(r => r.Scenario.Baseline is not null)
            .Select(r => (Gateway: r, Direct: results.FirstOrDefault(d => d.Scenario == r.Scenario.Baseline)))
            .Where(p => p.Direct is not null)
            .ToList();
        if (pairs.Count > 0)
        {
            output.WriteLine(Invariant($"  {"gateway vs direct",-32} {"rps ratio",10} {"added p50 ms",13} {"added p99 ms",13}"));
            output.WriteLine("  " + new string('-', 71));
            foreach (var (gateway, direct) in pairs)
            {
                var label = $"{gateway.Scenario.Name} / {direct!.Scenario.Name}";
                output.WriteLine(Invariant(
                    $"  {label,-32} {gateway.RequestsPerSecond / direct.RequestsPerSecond,9:F2}x {Delta(gateway.P50Ms - direct.P50Ms),13} {Delta(gateway.P99Ms - direct.P99Ms),13}"));
            }

            output.WriteLine();
        }
    }

    public static void PrintErrors(string phase, ScenarioResult result, TextWriter output)
    {
        if (result.Errors.Total == 0)
        {
            return;
        }

        var kinds = string.Join(", ", result.Errors.Counts.OrderByDescending(kv => kv.Value).Select(kv => Invariant($"{kv.Key} ×{kv.Value}")));
        output.WriteLine(Invariant($"  errors in {result.Scenario.Name} ({phase}): {result.Errors.Total} — {kinds}"));
        foreach (var sample in result.Errors.Samples)
        {
            output.WriteLine($"    {sample}");
        }
    }

    // A scenario where every request failed has no latency to show.
    private static string Ms(double ms) => double.IsFinite(ms) ? ms.ToString("F2", CultureInfo.InvariantCulture) : "-";

    private static string Delta(double ms) => double.IsFinite(ms) ? ms.ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
