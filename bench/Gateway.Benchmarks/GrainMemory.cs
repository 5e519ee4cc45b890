using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Gateway.Core.Keys;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Benchmarks;

/// <summary>
/// The memory of many active keys on one silo: creates <c>--grains</c> keys straight on their grains
/// (each activation writes its state once, as a key's creation does, and starts its sweep timer),
/// then compares the process's resident set and managed heap, each after a full compacting
/// collection, with the same before the first one. The silo runs in this process, so the growth
/// is the grains' alone: the load generator and the simulator are idle and collected too.
/// </summary>
internal static class GrainMemory
{
    private const int Concurrency = 64;
    private const int ProgressEvery = 10_000;

    public static async Task<GrainMemoryResult> RunAsync(IServiceProvider services, BenchOptions options, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        var target = options.Grains;
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(options.GrainsSeconds);

        await progress.WriteLineAsync($"  grains: activating {target:N0} keys on one silo (at most {options.GrainsSeconds} s)…");
        var activationsBefore = await management.GetTotalActivationCount();
        var (residentBefore, heapBefore) = Settle();

        var next = -1;
        var created = 0;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (deadline.Elapsed < limit && Interlocked.Increment(ref next) < target)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var keyId = ApiKeyFormat.NewKeyId();
                await grains.GetGrain<IApiKeyGrain>(keyId).Create(
                    new CreateKeyCommand("bench-mem", "bench-mem", 1_000_000_000, [], ApiKeyFormat.Hash(ApiKeyFormat.NewSecret()), "bench"));
                if (Interlocked.Increment(ref created) % ProgressEvery == 0)
                {
                    await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"    {Volatile.Read(ref created):N0} keys active after {deadline.Elapsed.TotalSeconds:F0} s"));
                }
            }
        }, cancellationToken)));
        var elapsed = deadline.Elapsed;

        var (residentAfter, heapAfter) = Settle();
        var activations = await management.GetTotalActivationCount() - activationsBefore;
        var result = new GrainMemoryResult(target, created, residentAfter - residentBefore, heapAfter - heapBefore);

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  active key grains on one silo: {created:N0} keys created in {elapsed.TotalSeconds:F0} s ({created / elapsed.TotalSeconds:N0}/s), {activations:N0} more activations on the silo"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    resident set {Mib(residentBefore)} -> {Mib(residentAfter)} MiB: +{Mib(result.ResidentBytes)} MiB, {result.ResidentBytesPerGrain:N0} bytes per grain"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    managed heap {Mib(heapBefore)} -> {Mib(heapAfter)} MiB: +{Mib(result.HeapBytes)} MiB, {result.HeapBytesPerGrain:N0} bytes per grain"));
        if (result.Extrapolated)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    EXTRAPOLATED: only {created:N0} of {target:N0} keys within {options.GrainsSeconds} s; at the bytes per grain measured, {target:N0} would take {Mib((long)result.ResidentBytesAtTarget)} MiB resident"));
        }

        return result;
    }

    /// <summary>Resident set and managed heap after everything collectable is collected and the heap compacted.</summary>
    private static (long Resident, long Heap) Settle()
    {
        for (var i = 0; i < 2; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var self = Process.GetCurrentProcess();
        return (self.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false));
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture);
}
