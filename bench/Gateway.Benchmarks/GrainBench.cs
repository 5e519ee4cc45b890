using System.Diagnostics;
using System.Globalization;
using Gateway.Core.Keys;
using Gateway.Storage.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Benchmarks;

/// <summary>
/// One hot key driven through its grain alone, without HTTP, the proxy or the simulator: how many
/// requests per second the grain takes through reservation (cap, rate limits, the user's and team's
/// holds, the durable intent) and settlement (the ledger row), against a baseline of plain reads of
/// the same grain in the same run. Then checks the key's and the user's spend against the ledger.
/// </summary>
internal static class GrainBench
{
    // gpt-4o-mini: $0.15 / $0.60 per million tokens; 8 tokens in, 16 out = 11 micro-dollars, as in the HTTP scenarios.
    private static readonly ModelPrice Price = new(150_000, 600_000, 75_000);
    private const int InputTokens = 8;
    private const int OutputTokens = 16;

    public static async Task<bool> RunAsync(IServiceProvider services, BenchOptions options, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var userId = "bench-grain-" + Guid.NewGuid().ToString("N")[..8];
        var keyId = ApiKeyFormat.NewKeyId();
        var secret = ApiKeyFormat.NewSecret();
        var user = grains.GetGrain<IUserGrain>(userId);
        await user.Create(new UserChanges(userId, null, null));
        await user.SetBudget(new BudgetChanges(CapMicros: long.MaxValue / 4));
        await user.CreateKey(keyId, new CreateKeyCommand(userId, "bench-grain", long.MaxValue / 4, [], ApiKeyFormat.Hash(secret), "bench"));
        var key = grains.GetGrain<IApiKeyGrain>(keyId);
        var hash = ApiKeyFormat.Hash(secret);
        var reserve = Price.Cost(InputTokens, OutputTokens, 0);
        var requests = options.Requests * 2;
        var warmup = options.WarmupRequests * 2;

        await progress.WriteLineAsync($"  grain: warm-up {warmup:N0}, then {requests:N0} reads and {requests:N0} reserve+settle cycles on one key…");
        await RunAsync(options.Concurrency, warmup, async () => await key.GetSnapshot(), cancellationToken);
        var reads = await RunAsync(options.Concurrency, requests, async () => await key.GetSnapshot(), cancellationToken);

        long charged = 0;
        var beginMs = new double[requests + warmup];
        var settleMs = new double[requests + warmup];
        var index = -1;
        async Task Cycle()
        {
            var slot = Interlocked.Increment(ref index);
            var context = new RequestContext(Guid.NewGuid().ToString("N"), "gpt-4o-mini", "openai", "/v1/chat/completions", false, "bench", "local", DateTimeOffset.UtcNow, null);
            var started = Stopwatch.GetTimestamp();
            var begun = await key.Begin(new BeginRequest(context, hash, Price, InputTokens, OutputTokens, false, reserve));
            var reserved = Stopwatch.GetTimestamp();
            if (!begun.Accepted)
            {
                throw new InvalidOperationException($"refused: {begun.Denial} {begun.Message}");
            }

            var settled = await key.Settle(new SettleRequest(context.RequestId, new UsageReport(InputTokens, OutputTokens, 0, true), RequestOutcome.Completed, 200, 1, null));
            beginMs[slot] = Stopwatch.GetElapsedTime(started, reserved).TotalMilliseconds;
            settleMs[slot] = Stopwatch.GetElapsedTime(reserved).TotalMilliseconds;
            Interlocked.Add(ref charged, settled.CostMicros);
        }

        await RunAsync(options.Concurrency, warmup, Cycle, cancellationToken);
        var journal = services.GetRequiredService<Gateway.Storage.Journal.IntentJournal>();
        var journalBefore = journal.Statistics;
        var cycles = await RunAsync(options.Concurrency, requests, Cycle, cancellationToken);
        var journalAfter = journal.Statistics;
        var begins = new LatencyFigures(beginMs[warmup..]);
        var settles = new LatencyFigures(settleMs[warmup..]);

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  one hot key through its grain (no HTTP): {requests:N0} calls after {warmup:N0} warm-up, {options.Concurrency} concurrent, in this process"));
        output.WriteLine();
        output.WriteLine("  step                                   per s    p50 ms    p99 ms");
        output.WriteLine("  ------------------------------------------------------------------");
        Row(output, "read state (baseline)", reads.PerSecond, reads.Latencies);
        Row(output, "reserve + settle (one request)", cycles.PerSecond, cycles.Latencies);
        Row(output, "  of which reserve (Begin)", null, begins);
        Row(output, "  of which settle (ledger row)", null, settles);
        var journalCommits = journalAfter.Commits - journalBefore.Commits;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  journal: {journalAfter.Rows - journalBefore.Rows:N0} rows (intents and retirements) in {journalCommits:N0} storage calls, {(journalAfter.Rows - journalBefore.Rows) / (double)Math.Max(1, journalCommits):F1} rows per call"));
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  hot key through its grain: {cycles.PerSecond:N0} requests/s; reservation step p50 {begins.P50:F2} ms against {reads.Latencies.P50:F2} ms " +
            $"for a read of the same grain (+{begins.P50 - reads.Latencies.P50:F2} ms: the user's hold and the durable intent)"));

        // Exactness: the key's spend, the user's spend and the ledger agree on every micro-dollar.
        var expected = charged;
        var snapshot = (await key.GetSnapshot())!;
        var ledger = services.GetRequiredService<AuditLedger>();
        long ledgerSum = 0;
        await foreach (var row in ledger.ReadAfterAsync(keyId, 0, cancellationToken))
        {
            ledgerSum += row.CostMicros;
        }

        var userSpent = 0L;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        do
        {
            var budget = (await user.Get())!.Budget;
            userSpent = budget.SpentMicros;
            if (userSpent == expected && budget.ReservedMicros == 0)
            {
                break;
            }

            await Task.Delay(50, cancellationToken);
        }
        while (DateTimeOffset.UtcNow < deadline);

        var ok = snapshot.SpentMicros == expected && snapshot.ReservedMicros == 0 && ledgerSum == expected && userSpent == expected;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  grain key spentMicros {snapshot.SpentMicros:N0}   user spentMicros {userSpent:N0}   ledger sum {ledgerSum:N0}   settled costs {expected:N0}   reserved {snapshot.ReservedMicros:N0}   {(ok ? "OK" : "MISMATCH")}"));
        return ok;
    }

    private static void Row(TextWriter output, string step, double? perSecond, LatencyFigures figures) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {step,-32} {(perSecond is { } rate ? rate.ToString("N0", CultureInfo.InvariantCulture) : ""),10} {figures.P50,9:F2} {figures.P99,9:F2}"));

    /// <summary>Runs <paramref name="count"/> calls with <paramref name="concurrency"/> workers; throughput and per-call latencies.</summary>
    private static async Task<(double PerSecond, LatencyFigures Latencies)> RunAsync(int concurrency, int count, Func<Task> call, CancellationToken cancellationToken)
    {
        var latencies = new double[count];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await call();
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, cancellationToken)));
        cancellationToken.ThrowIfCancellationRequested();
        return (count / clock.Elapsed.TotalSeconds, new LatencyFigures(latencies));
    }
}
