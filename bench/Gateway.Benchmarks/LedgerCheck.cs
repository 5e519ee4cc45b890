using System.Diagnostics;

namespace Gateway.Benchmarks;

/// <summary>
/// Compares the gateway's spend per key with the sum of the costs its responses reported. Settlement
/// trails the last response byte, so each key is polled until it has settled or a deadline passes.
/// </summary>
internal static class LedgerCheck
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <returns>True when every key's spend equals what its responses add up to.</returns>
    public static async Task<bool> RunAsync(AdminClient admin, string label, IReadOnlyList<BenchKey> keys, TextWriter output, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var mismatches = new List<string>();
        long spentTotal = 0, expectedTotal = 0, requestCount = 0, succeeded = 0;
        foreach (var key in keys)
        {
            var state = await WaitForSettlementAsync(admin, key, started, cancellationToken);
            spentTotal += state.SpentMicros;
            expectedTotal += key.ExpectedMicros;
            requestCount += state.RequestCount;
            succeeded += key.Succeeded;
            if (state.SpentMicros != key.ExpectedMicros || !state.Settled)
            {
                mismatches.Add(
                    $"    {key.KeyId}: spentMicros {state.SpentMicros}, expected {key.ExpectedMicros} (diff {state.SpentMicros - key.ExpectedMicros}), " +
                    $"reservedMicros {state.ReservedMicros}, inFlight {state.InFlight}, requestCount {state.RequestCount}, successful responses {key.Succeeded}");
            }
        }

        var waited = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await output.WriteLineAsync(
            $"  {label,-30} spentMicros {spentTotal,12:N0}   expected {expectedTotal,12:N0}   " +
            $"requestCount {requestCount,7:N0}   successful responses {succeeded,7:N0}   settled after {waited:F0} ms");
        foreach (var line in mismatches.Take(10))
        {
            await output.WriteLineAsync(line);
        }

        if (mismatches.Count > 10)
        {
            await output.WriteLineAsync($"    … and {mismatches.Count - 10} more keys");
        }

        return mismatches.Count == 0;
    }

    private static async Task<KeyState> WaitForSettlementAsync(AdminClient admin, BenchKey key, long started, CancellationToken cancellationToken)
    {
        while (true)
        {
            var state = await admin.GetKeyAsync(key.KeyId, cancellationToken);
            if ((state.Settled && state.SpentMicros == key.ExpectedMicros) || Stopwatch.GetElapsedTime(started) > Deadline)
            {
                return state;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
