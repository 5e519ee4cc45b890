using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Gateway.Benchmarks;

/// <summary>Prints the figures as aligned tables, then each gateway scenario as a ratio of its floor, the bare forwarder.</summary>
internal static class Report
{
    private const double Mib = 1024 * 1024;

    public static void PrintHeader(BenchOptions options, TextWriter output)
    {
        output.WriteLine(Invariant($"Gateway benchmark: {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC"));
        output.WriteLine(Invariant($"  {options.Requests:N0} requests per scenario after {options.WarmupRequests:N0} warm-up ({options.ProcessWarmupRequests:N0} of each first, per proxy process); {options.Concurrency} clients not streamed, {options.StreamConcurrency} streamed; {options.Keys} keys of {options.Keys} users, or 1 key"));
        output.WriteLine(Invariant($"  chat completions, gpt-4o-mini, max_tokens 16; simulator latency {options.SimulatorLatencyMs} ms; load generator and simulator in this process,"));
        output.WriteLine("  each proxy in a process of its own (CPU and peak memory are the proxy's alone), Azurite in another, all on this machine;");
        output.WriteLine("  each proxy warmed until its JIT settled (JIT ms: compiling during the phase); Azurite CPU ms/resp: what storage spent serving the gateway");
        if (LoadAverage() is { } load)
        {
            // Other work on the machine takes cores from every process of the run; the figures are only comparable at a similar load.
            output.WriteLine($"  load average (1, 5, 15 min) at the end of the HTTP scenarios: {load}");
        }
        output.WriteLine();
    }

    public static void PrintResults(IReadOnlyList<ScenarioResult> results, int keys, TextWriter output)
    {
        output.WriteLine(Invariant($"  {"scenario",-20} {"what",-34} {"clients",7} {"requests",8} {"errors",6} {"resp/s",8} {"p50 ms",7} {"p99 ms",7} {"CPU ms/resp",11} {"JIT ms",6} {"peak MiB",8} {"tx/req",7} {"writes/req",10} {"Azurite CPU ms/resp",19}"));
        output.WriteLine("  " + new string('-', 171));
        foreach (var r in results)
        {
            var peak = r.Usage is { } u ? (u.PeakBytes / Mib).ToString("F0", CultureInfo.InvariantCulture) + (u.PeakIsLifetime ? "*" : "") : "-";
            output.WriteLine(Invariant(
                $"  {r.Scenario.Name,-20} {r.Scenario.Describe(keys),-34} {r.Clients,7} {r.Requests,8:N0} {r.Errors.Total,6:N0} {r.ResponsesPerSecond,8:N0} {F(r.P50Ms),7} {F(r.P99Ms),7} {F(r.CpuMsPerResponse, "F3"),11} {F(r.JitMs, "F0"),6} {peak,8} {F(r.TransactionsPerRequest, "F3"),7} {F(r.EntityWritesPerRequest, "F3"),10} {F(r.StorageCpuMsPerResponse, "F3"),19}"));
        }

        foreach (var r in results)
        {
            if (r.Usage?.Runtime is { AllocatedBytes: > 0 } runtime && r.Responses > 0)
            {
                // What the GC has to do: stable between runs where CPU and throughput move with the machine.
                var perThousand = 1000.0 / r.Responses;
                output.WriteLine(Invariant(
                    $"  {r.Scenario.Name,-20} allocated {r.AllocatedKbPerResponse:F1} KB/resp; per 1,000 responses: GCs gen0 {runtime.Gen0 * perThousand:F2}, gen1 {runtime.Gen1 * perThousand:F2}, gen2 {runtime.Gen2 * perThousand:F2}, paused {runtime.GcPauseMs * perThousand:F1} ms"));
            }
        }

        foreach (var r in results)
        {
            if (r.Usage?.Storage is { Transactions: > 0 } storage)
            {
                // Where the transactions go: the figure to work on when tx/req is over its target.
                var tables = storage.TransactionsByTable.Where(t => t.Value > 0).OrderByDescending(t => t.Value)
                    .Select(t => Invariant($"{t.Key} {t.Value / (double)r.Requests:F3} ({storage.EntityWritesByTable.GetValueOrDefault(t.Key) / (double)r.Requests:F2} writes)"));
                output.WriteLine(Invariant($"  {r.Scenario.Name,-20} tx/req by table: {string.Join(", ", tables)}"));
                var writers = storage.CommitsByWriter.Where(w => w.Value > 0).OrderByDescending(w => w.Value)
                    .Select(w => Invariant($"{w.Key} {w.Value / (double)r.Requests:F3} ({storage.RowsByWriter.GetValueOrDefault(w.Key) / (double)w.Value:F1} rows each)"));
                if (writers.Any())
                {
                    output.WriteLine(Invariant($"  {r.Scenario.Name,-20} journal tx/req by writer: {string.Join(", ", writers)}"));
                }
            }
        }

        if (results.Any(r => r.Usage?.PeakIsLifetime == true))
        {
            output.WriteLine("  * the peak could not be reset before the phase (no /proc/PID/clear_refs): the process's peak so far");
        }

        output.WriteLine();
    }

    public static void PrintRatios(IReadOnlyList<ScenarioResult> results, TextWriter output)
    {
        var pairs = Pairs(results).ToList();
        if (pairs.Count == 0)
        {
            return;
        }

        output.WriteLine(Invariant($"  {"gateway / its floor",-44} {"resp/s",8} {"CPU/resp",9} {"added p50 ms",13} {"added p99 ms",13}"));
        output.WriteLine("  " + new string('-', 91));
        foreach (var (gateway, floor) in pairs)
        {
            output.WriteLine(Invariant(
                $"  {gateway.Scenario.Name + " / " + floor.Scenario.Name,-44} {F(gateway.ResponsesPerSecond / floor.ResponsesPerSecond),7}x {F(gateway.CpuMsPerResponse / floor.CpuMsPerResponse),8}x {Delta(gateway.P50Ms - floor.P50Ms),13} {Delta(gateway.P99Ms - floor.P99Ms),13}"));
        }

        output.WriteLine();
    }

    public static void PrintLatency(LatencyProbe probe, int keys, TextWriter output)
    {
        output.WriteLine(Invariant($"  at 1 client, {keys} keys, not streamed (no queueing): what the gateway adds, against one storage round trip"));
        if (probe.Floor is { } floor)
        {
            output.WriteLine(Invariant($"    bare forwarder       p50 {F(floor.P50Ms)} ms   p99 {F(floor.P99Ms)} ms   ({floor.Responses:N0} responses)"));
        }

        if (probe.Gateway is { } gateway)
        {
            output.WriteLine(Invariant($"    gateway              p50 {F(gateway.P50Ms)} ms   p99 {F(gateway.P99Ms)} ms   ({gateway.Responses:N0} responses)"));
        }

        if (probe.StorageRoundTrip is { } rtt)
        {
            output.WriteLine(Invariant($"    storage round trip   p50 {F(rtt.P50)} ms   p99 {F(rtt.P99)} ms   (point reads of one entity on the same Azurite, one at a time, {rtt.Count:N0})"));
        }

        if (probe.StorageInsert is { } insert)
        {
            output.WriteLine(Invariant($"    storage insert       p50 {F(insert.P50)} ms   p99 {F(insert.P99)} ms   (new entities of an intent's size, one at a time, {insert.Count:N0}: what the intent costs)"));
        }

        if (probe.IntentWrite is { } intent)
        {
            output.WriteLine(Invariant($"    intent's write       p50 {F(intent.P50)} ms   p99 {F(intent.P99)} ms   (each request's, as the gateway timed it: submitted to committed, {intent.Count:N0})"));
        }

        if (double.IsFinite(probe.AddedP50Ms))
        {
            output.WriteLine(Invariant($"    added p50 {Delta(probe.AddedP50Ms)} ms   beside one storage round trip + {LatencyProbe.AllowanceMs} ms = {F(probe.BoundMs)} ms"));
        }

        if (double.IsFinite(probe.AddedBesidesIntentMs))
        {
            output.WriteLine(Invariant($"    added p50 less the intent's write {Delta(probe.AddedBesidesIntentMs)} ms   (the gateway's own work and hops, beside the {LatencyProbe.AllowanceMs} ms allowed; shown, not judged)"));
        }

        output.WriteLine();
    }

    public static void PrintErrors(string phase, ScenarioResult result, TextWriter output)
    {
        if (result.Errors.Total == 0)
        {
            return;
        }

        var kinds = string.Join(", ", result.Errors.Counts.OrderByDescending(kv => kv.Value).Select(kv => Invariant($"{kv.Key} ×{kv.Value}")));
        output.WriteLine(Invariant($"  errors in {result.Scenario.Name} ({phase}, {result.Clients} clients): {result.Errors.Total} — {kinds}"));
        foreach (var sample in result.Errors.Samples)
        {
            output.WriteLine($"    {sample}");
        }
    }

    private static string? LoadAverage()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Each gateway scenario with the floor it is compared to, when that ran.</summary>
    public static IEnumerable<(ScenarioResult Gateway, ScenarioResult Floor)> Pairs(IReadOnlyList<ScenarioResult> results)
    {
        var ran = results.Select(r => r.Scenario).ToList();
        foreach (var gateway in results)
        {
            if (gateway.Scenario.Floor(ran) is { } floorScenario && results.FirstOrDefault(r => r.Scenario == floorScenario) is { } floor)
            {
                yield return (gateway, floor);
            }
        }
    }

    // A scenario where every request failed has no latency to show.
    private static string F(double value, string format = "F2") => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Delta(double ms) => double.IsFinite(ms) ? ms.ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
