using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Benchmarks;

/// <summary>
/// One run, in phases so that only one proxy runs at a time: the simulator directly, then the bare
/// forwarder, then the gateway (each scenario followed by the ledger check), then the grains in this
/// process. Then the figures, the ratios to the floor, and the targets.
/// </summary>
internal sealed class BenchRun(BenchOptions options, TextWriter output, TextWriter progress)
{
    /// <summary>
    /// How long the gateway's storage must be quiet for a phase to end: longer than the ledger copy's
    /// linger (<c>Gateway:Storage:LedgerCopyLinger</c>, 5 s by default), or a phase could end before its
    /// rows are copied and retired, and the next phase would be charged with them.
    /// </summary>
    private static readonly TimeSpan StorageQuiet = new Gateway.Storage.StorageOptions().LedgerCopyLinger + TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StorageQuietDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Requests of each scenario per warm-up round after the first pass.</summary>
    private const int JitRoundRequests = 1_000;

    /// <summary>The JIT has settled once compiling takes less than this share of a warm-up round.</summary>
    private const double JitSettledShare = 0.02;

    /// <summary>
    /// Rounds in a row under <see cref="JitSettledShare"/>: the tiered compiler works in bursts (it
    /// waits for a quiet spell in new methods before it promotes the hot ones), so one quiet round
    /// can be the lull before one.
    /// </summary>
    private const int JitQuietRounds = 3;

    /// <summary>Warm-up rounds stop here even if the JIT is still busy; the phases then say how much it compiled.</summary>
    private static readonly TimeSpan JitSettleDeadline = TimeSpan.FromSeconds(120);
    private const int StorageRoundTrips = 500;

    private readonly List<ScenarioResult> _results = [];
    private readonly List<(string Phase, ScenarioResult Result)> _phases = [];
    private readonly StringWriter _ledger = new();
    private readonly List<string> _notQuiet = [];
    private bool _ledgerOk = true;

    public async Task<int> RunAsync(BenchEnvironment environment, CancellationToken cancellationToken)
    {
        using var http = LoadClient.Create();
        var runner = new LoadRunner(http);
        var scenarios = options.Scenarios;
        var probe = new LatencyProbe(null, null, null);

        var direct = new[] { new BenchKey("provider", BenchEnvironment.ProviderKey) };
        foreach (var scenario in scenarios.Where(s => s.Target == ScenarioTarget.Direct))
        {
            await MeasureAsync(runner, scenario, environment.SimulatorUrl, direct, null, cancellationToken);
        }

        if (scenarios.Any(s => s.Target == ScenarioTarget.BareForwarder))
        {
            await progress.WriteLineAsync("Starting the bare forwarder…");
            await using var forwarder = await environment.StartForwarderAsync(http, cancellationToken);
            // The forwarder swaps any key for the provider's, so its callers' keys are placeholders.
            var many = Enumerable.Range(0, options.Keys).Select(i => new BenchKey($"client-{i}", $"sk-client-{i}")).ToList();
            var one = new[] { new BenchKey("client-hot", "sk-client-hot") };
            var ofForwarder = scenarios.Where(s => s.Target == ScenarioTarget.BareForwarder).ToList();
            await WarmUpProcessAsync(runner, ofForwarder, forwarder, s => s.Workload == KeyWorkload.ManyKeys ? many : one, cancellationToken);
            foreach (var scenario in ofForwarder)
            {
                await MeasureAsync(runner, scenario, forwarder.Url, scenario.Workload == KeyWorkload.ManyKeys ? many : one, forwarder, cancellationToken);
            }

            probe = probe with { Floor = await OneClientAsync(runner, scenarios.First(s => s.Target == ScenarioTarget.BareForwarder), forwarder.Url, many, cancellationToken) };
        }

        if (scenarios.Any(s => s.Target == ScenarioTarget.Gateway))
        {
            await progress.WriteLineAsync($"Starting the gateway (Azurite at {StorageEndpoint()})…");
            await using var gateway = await environment.StartGatewayAsync(http, cancellationToken);
            using var admin = new AdminClient(gateway.Url, environment.AdminKey);
            var many = new List<BenchKey>();
            for (var i = 0; i < options.Keys; i++)
            {
                many.Add(await admin.CreateKeyAsync($"bench-user-{i}", $"bench-{i}", cancellationToken));
            }

            var one = new[] { await admin.CreateKeyAsync("bench-hot", "bench-hot", cancellationToken) };
            var ofGateway = scenarios.Where(s => s.Target == ScenarioTarget.Gateway).ToList();
            await WarmUpProcessAsync(runner, ofGateway, gateway, s => s.Workload == KeyWorkload.ManyKeys ? many : one, cancellationToken);
            foreach (var scenario in ofGateway)
            {
                var keys = scenario.Workload == KeyWorkload.ManyKeys ? many : (IReadOnlyList<BenchKey>)one;
                await MeasureAsync(runner, scenario, gateway.Url, keys, gateway, cancellationToken);
                await CheckLedgerAsync(admin, scenario.Name, keys, cancellationToken);
            }

            // The intents' waits of the 1-client run alone.
            if (options.LatencyRequests > 0)
            {
                await gateway.TakeIntentWaitsAsync(start: true, cancellationToken);
            }

            if (await OneClientAsync(runner, scenarios.First(s => s.Target == ScenarioTarget.Gateway), gateway.Url, many, cancellationToken) is { } oneClient)
            {
                var intentWaits = await gateway.TakeIntentWaitsAsync(start: false, cancellationToken);
                await CheckLedgerAsync(admin, "1 client", many, cancellationToken);
                await progress.WriteLineAsync($"  storage round trip: {StorageRoundTrips} point reads, then {StorageRoundTrips} inserts…");
                probe = probe with
                {
                    Gateway = oneClient,
                    IntentWrite = intentWaits.Length > 0 ? new LatencyFigures(intentWaits) : null,
                    StorageRoundTrip = await StorageRoundTrip.MeasureAsync(environment.TablePrefix, StorageRoundTrips, cancellationToken),
                    StorageInsert = await StorageRoundTrip.MeasureInsertsAsync(environment.TablePrefix, StorageRoundTrips, cancellationToken),
                };
            }
        }

        await output.WriteLineAsync();
        Report.PrintHeader(options, output);
        if (_results.Count > 0)
        {
            Report.PrintResults(_results, options.Keys, output);
            Report.PrintRatios(_results, output);
        }

        if (probe.Floor is not null || probe.Gateway is not null)
        {
            Report.PrintLatency(probe, options.Keys, output);
        }

        foreach (var (phase, result) in _phases)
        {
            Report.PrintErrors(phase, result, output);
        }

        foreach (var note in _notQuiet)
        {
            await output.WriteLineAsync("  NOTE " + note);
        }

        if (_ledger.GetStringBuilder().Length > 0)
        {
            await output.WriteLineAsync("  ledger check after each gateway scenario: every key's spend against the sum of its responses' usage x price");
            await output.WriteAsync(_ledger.ToString());
        }

        GrainMemoryResult? grains = null;
        if (options.Grain)
        {
            await progress.WriteLineAsync("Starting a gateway in this process for the grain figures…");
            await using var host = await environment.StartInProcessGatewayAsync();
            _ledgerOk &= await GrainBench.RunAsync(host.Services, options, output, progress, cancellationToken);
            if (options.Grains > 0)
            {
                grains = await GrainMemory.RunAsync(host.Services, options, output, progress, cancellationToken);
            }

            await progress.WriteLineAsync("Stopping the grain figures' gateway…");
        }

        Targets.Print(_results, probe, grains, output);
        await output.WriteLineAsync();
        await output.WriteLineAsync(_ledgerOk ? "ledger check: OK" : "ledger check: MISMATCH (see the keys above)");
        return _ledgerOk ? 0 : 1;
    }

    /// <summary>
    /// Warm-up, then the measured phase, with the proxy's CPU time, peak memory and (for the gateway)
    /// storage traffic over it. For the gateway the phase ends once its storage writes have stopped, so
    /// the settlements trailing the last responses are charged to it, and the warm-up's are not.
    /// </summary>
    private async Task MeasureAsync(LoadRunner runner, Scenario scenario, Uri url, IReadOnlyList<BenchKey> keys, ProxyProcess? proxy, CancellationToken cancellationToken)
    {
        var clients = options.ConcurrencyOf(scenario);
        await progress.WriteLineAsync($"  {scenario.Name}: {clients} clients, warm-up {options.WarmupRequests:N0}, then {options.Requests:N0} measured…");
        if (options.WarmupRequests > 0)
        {
            _phases.Add(("warm-up", await runner.RunAsync(scenario, url, keys, clients, options.WarmupRequests, cancellationToken)));
        }

        var isGateway = scenario.Target == ScenarioTarget.Gateway;
        var storageBefore = isGateway ? await QuietStorageAsync(proxy!, scenario, "before", cancellationToken) : null;
        var cpuBefore = proxy?.CpuTime ?? TimeSpan.Zero;
        var jitBefore = proxy is null ? null : await proxy.ReadRuntimeAsync(cancellationToken);
        var storageCpuBefore = StorageProcess.CpuTime;
        var peakReset = proxy?.ResetPeakMemory() ?? false;

        var result = await runner.RunAsync(scenario, url, keys, clients, options.Requests, cancellationToken);

        var storageAfter = isGateway ? await QuietStorageAsync(proxy!, scenario, "after", cancellationToken) : null;
        if (proxy is not null)
        {
            result.Usage = new ProxyUsage(proxy.CpuTime - cpuBefore, proxy.PeakMemoryBytes, !peakReset, storageAfter is null ? null : storageAfter - storageBefore!,
                isGateway ? StorageProcess.CpuTime - storageCpuBefore : null, await proxy.ReadRuntimeAsync(cancellationToken) - jitBefore!);
        }

        _phases.Add(("measured", result));
        _results.Add(result);
        if (options.Timeline is { } timeline)
        {
            await File.AppendAllLinesAsync(timeline, result.Timeline.Select(r =>
                Invariant($"{scenario.Name} {r.StartMs:F1} ") + (double.IsFinite(r.LatencyMs) ? Invariant($"{r.LatencyMs:F2}") : "failed")), cancellationToken);
        }

        await progress.WriteLineAsync($"  {result}");
    }

    /// <summary>The storage counts once writes have stopped; if they never did, the figures say so.</summary>
    private async Task<StorageCount> QuietStorageAsync(ProxyProcess proxy, Scenario scenario, string when, CancellationToken cancellationToken)
    {
        var (count, quiet) = await proxy.WaitForStorageQuietAsync(StorageQuiet, StorageQuietDeadline, cancellationToken);
        if (!quiet)
        {
            var note = Invariant($"{scenario.Name}: storage was still being written {StorageQuietDeadline.TotalSeconds:F0} s {when} its measured phase, so its storage and CPU figures include work of another phase");
            _notQuiet.Add(note);
            await progress.WriteLineAsync("  " + note);
        }

        return count;
    }

    /// <summary>
    /// Each of a fresh process's scenarios once through its warm-up before any is measured, then again
    /// in rounds until the JIT has settled: the tiered compiler recompiles hot methods in the
    /// background (twice each with dynamic PGO), and on two loaded cores it lags minutes behind, so a
    /// phase measured before it settles charges the proxy with start-up compilation (it was half the
    /// gateway's CPU in a streamed phase profiled with perf). Settled: a round in which compiling took
    /// under <see cref="JitSettledShare"/> of the round's time, or <see cref="JitSettleDeadline"/> passed.
    /// </summary>
    private async Task WarmUpProcessAsync(LoadRunner runner, IReadOnlyList<Scenario> scenarios, ProxyProcess proxy, Func<Scenario, IReadOnlyList<BenchKey>> keysOf, CancellationToken cancellationToken)
    {
        if (options.ProcessWarmupRequests == 0 || scenarios.Count == 0)
        {
            return;
        }

        await progress.WriteLineAsync($"  warming up the process: {options.ProcessWarmupRequests:N0} requests of each of its scenarios, then rounds until the JIT settles…");
        foreach (var scenario in scenarios)
        {
            _phases.Add(("process warm-up", await runner.RunAsync(scenario, proxy.Url, keysOf(scenario), options.ConcurrencyOf(scenario), options.ProcessWarmupRequests, cancellationToken)));
        }

        var clock = Stopwatch.StartNew();
        var quietRounds = 0;
        for (var round = 1; ; round++)
        {
            var before = await proxy.ReadRuntimeAsync(cancellationToken);
            var started = clock.Elapsed;
            foreach (var scenario in scenarios)
            {
                _phases.Add(("process warm-up", await runner.RunAsync(scenario, proxy.Url, keysOf(scenario), options.ConcurrencyOf(scenario), JitRoundRequests, cancellationToken)));
            }

            var compiled = await proxy.ReadRuntimeAsync(cancellationToken) - before;
            var share = compiled.CompileMs / (clock.Elapsed - started).TotalMilliseconds;
            quietRounds = share < JitSettledShare ? quietRounds + 1 : 0;
            if (quietRounds == JitQuietRounds || clock.Elapsed > JitSettleDeadline)
            {
                await progress.WriteLineAsync(Invariant(
                    $"  JIT {(quietRounds == JitQuietRounds ? "settled" : "still busy")} after {round} more round{(round == 1 ? "" : "s")} ({clock.Elapsed.TotalSeconds:F0} s): the last compiled {compiled.Methods:N0} methods in {compiled.CompileMs:F0} ms, {share:P1} of its time"));
                return;
            }
        }
    }

    /// <summary>The same non-streamed many-keys requests from one client: the latency added when nothing queues.</summary>
    private async Task<ScenarioResult?> OneClientAsync(LoadRunner runner, Scenario any, Uri url, IReadOnlyList<BenchKey> keys, CancellationToken cancellationToken)
    {
        if (options.LatencyRequests == 0)
        {
            return null;
        }

        var scenario = Scenario.All.First(s => s.Target == any.Target && s.Workload == KeyWorkload.ManyKeys && !s.Streaming);
        await progress.WriteLineAsync($"  {scenario.Name}: 1 client, {options.LatencyRequests:N0} requests…");
        var result = await runner.RunAsync(scenario, url, keys, 1, options.LatencyRequests, cancellationToken);
        _phases.Add(("1 client", result));
        await progress.WriteLineAsync($"  {result}");
        return result;
    }

    private async Task CheckLedgerAsync(AdminClient admin, string after, IReadOnlyList<BenchKey> keys, CancellationToken cancellationToken)
    {
        try
        {
            var ok = await LedgerCheck.RunAsync(admin, $"after {after}, {keys.Count} key{(keys.Count == 1 ? "" : "s")}", keys, _ledger, cancellationToken);
            _ledgerOk &= ok;
            await progress.WriteLineAsync($"  ledger after {after}: {(ok ? "OK" : "MISMATCH")}");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is InvalidOperationException or HttpRequestException or TaskCanceledException)
        {
            await _ledger.WriteLineAsync($"  after {after}: could not read the keys back: {ex.Message}");
            _ledgerOk = false;
        }
    }

    public static string StorageEndpoint()
    {
        var endpoint = BenchEnvironment.StorageConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("TableEndpoint=", StringComparison.OrdinalIgnoreCase));
        return endpoint is null ? "the configured storage" : endpoint["TableEndpoint=".Length..];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
