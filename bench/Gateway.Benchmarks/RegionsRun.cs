using System.Globalization;
using System.Net;

namespace Gateway.Benchmarks;

/// <summary>
/// What a front-end far from its cluster pays per request (<c>./bench.sh --regions</c>, docs/regions.md):
/// a silo and a front-end in processes of their own, the front-end reaching the silo's client gateway
/// port through a <see cref="DelayingProxy"/>, and one client sending the many-keys requests at each
/// delay in turn, over the same processes and keys. The design says one round trip is added (the
/// reservation, Begin on the key's grain) and settlement is off the client's path; the figures say
/// how many round trips were added. Storage stays local to the silo, as it would in a deployment
/// whose remote region holds front-ends only.
/// </summary>
internal sealed class RegionsRun(BenchOptions options, TextWriter output, TextWriter progress)
{
    /// <summary>Clients of the warm-up: enough to bring the JIT up quickly, few enough to leave a core free.</summary>
    private const int WarmupClients = 4;

    /// <summary>Requests at each new delay before it is measured, so no request straddles the change.</summary>
    private const int SettleRequests = 20;

    public async Task<int> RunAsync(BenchEnvironment environment, IReadOnlyList<int> delaysMs, CancellationToken cancellationToken)
    {
        using var http = LoadClient.Create();
        var runner = new LoadRunner(http);
        var scenario = Scenario.All.First(s => s.Target == ScenarioTarget.Gateway && s.Workload == KeyWorkload.ManyKeys && !s.Streaming);
        var requests = options.LatencyRequests;

        var advertised = FreePorts.Next();
        var listening = FreePorts.Next();
        await using var relay = new DelayingProxy(advertised, new IPEndPoint(IPAddress.Loopback, listening));
        await progress.WriteLineAsync($"Starting a silo (gateway port {listening}, advertised as the relay's {advertised}) and a front-end (Azurite at {BenchRun.StorageEndpoint()})…");
        await using var silo = await environment.StartSiloAsync(advertised, listening, http, cancellationToken);
        await using var frontend = await environment.StartFrontendAsync(http, cancellationToken);
        using var admin = new AdminClient(frontend.Url, environment.AdminKey);
        var keys = new List<BenchKey>();
        for (var i = 0; i < options.Keys; i++)
        {
            keys.Add(await admin.CreateKeyAsync($"bench-user-{i}", $"bench-{i}", cancellationToken));
        }

        if (options.ProcessWarmupRequests > 0)
        {
            await progress.WriteLineAsync($"  warming up: {options.ProcessWarmupRequests:N0} requests from {WarmupClients} clients, no delay…");
            await runner.RunAsync(scenario, frontend.Url, keys, WarmupClients, options.ProcessWarmupRequests, cancellationToken);
        }

        var rows = new List<(int DelayMs, ScenarioResult Result, double UpPerRequest, double DownPerRequest, double FrontendCpuMs, double SiloCpuMs)>();
        foreach (var delay in delaysMs)
        {
            relay.DelayEachWay = TimeSpan.FromMilliseconds(delay);
            await runner.RunAsync(scenario, frontend.Url, keys, 1, SettleRequests, cancellationToken);
            await progress.WriteLineAsync($"  {delay} ms each way: 1 client, {requests:N0} requests…");
            var before = relay.Chunks;
            var (frontendCpu, siloCpu) = (frontend.CpuTime, silo.CpuTime);
            var result = await runner.RunAsync(scenario, frontend.Url, keys, 1, requests, cancellationToken);
            var after = relay.Chunks;
            await progress.WriteLineAsync($"  {result}");
            rows.Add((delay, result, (after.Upstream - before.Upstream) / (double)requests, (after.Downstream - before.Downstream) / (double)requests,
                (frontend.CpuTime - frontendCpu).TotalMilliseconds / requests, (silo.CpuTime - siloCpu).TotalMilliseconds / requests));
        }

        relay.DelayEachWay = TimeSpan.Zero;
        var ledger = new StringWriter();
        var ledgerOk = await LedgerCheck.RunAsync(admin, $"after the regions run, {keys.Count} keys", keys, ledger, cancellationToken);

        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant($"Regions: a front-end and a silo in processes of their own, a relay between adding each delay each way; 1 client, {requests:N0} non-streamed requests over {keys.Count} keys at each; storage beside the silo"));
        await output.WriteLineAsync("  each way   round trip   p50 ms    p99 ms    added p50   added p99   round trips added (p50)   relay chunks per request (fe→silo / silo→fe)   CPU ms per request (fe / silo)   errors");
        var baseline = rows[0].Result;
        foreach (var (delay, result, up, down, frontendCpuMs, siloCpuMs) in rows)
        {
            var addedP50 = result.P50Ms - baseline.P50Ms;
            var addedP99 = result.P99Ms - baseline.P99Ms;
            var trips = delay == 0 ? "-" : Invariant($"{addedP50 / (2.0 * delay):F2}");
            await output.WriteLineAsync(Invariant(
                $"  {delay,5} ms   {2 * delay,7} ms   {result.P50Ms,7:F2}   {result.P99Ms,7:F2}   {addedP50,9:F2}   {addedP99,9:F2}   {trips,23}   {up,20:F2} / {down:F2}   {frontendCpuMs,22:F3} / {siloCpuMs:F3}   {result.Errors.Total,6}"));
        }

        await output.WriteLineAsync(Invariant($"  added: against the first delay ({rows[0].DelayMs} ms). Round trips added: added p50 / (2 x delay); the design's figure is 1 (Begin on the key's grain)."));
        await output.WriteLineAsync("  CPU per request: each process's CPU time over the phase over its requests; at one client it includes what each does when idle (timers, membership).");
        await output.WriteAsync(ledger.ToString());
        await output.WriteLineAsync(ledgerOk ? "ledger check: OK" : "ledger check: MISMATCH (see the keys above)");
        return ledgerOk && rows.All(r => r.Result.Errors.Total == 0) ? 0 : 1;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
