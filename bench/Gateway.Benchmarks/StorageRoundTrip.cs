using System.Diagnostics;
using Azure.Data.Tables;

namespace Gateway.Benchmarks;

/// <summary>
/// One storage round trip, measured in the same run against the same Azurite the gateway uses: point
/// reads of one entity by partition and row key, one at a time, through the same Table client library.
/// The added latency at one client is judged against its p50.
/// </summary>
internal static class StorageRoundTrip
{
    private const int Warmup = 50;

    public static async Task<LatencyFigures> MeasureAsync(string tablePrefix, int reads, CancellationToken cancellationToken)
    {
        var table = await TableAsync(tablePrefix, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity("probe", "probe") { ["Payload"] = new string('x', 256) }, cancellationToken: cancellationToken);
        return await TimeAsync(reads, _ => table.GetEntityAsync<TableEntity>("probe", "probe", cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Inserts of new entities of about an intent's size, one at a time: what the intent on a
    /// request's path costs in storage alone, printed beside the point read the target is judged by.
    /// </summary>
    public static async Task<LatencyFigures> MeasureInsertsAsync(string tablePrefix, int inserts, CancellationToken cancellationToken)
    {
        var table = await TableAsync(tablePrefix, cancellationToken);
        var payload = new string('x', 512);
        return await TimeAsync(inserts, i => table.AddEntityAsync(
            new TableEntity("insert", i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture)) { ["D"] = payload }, cancellationToken));
    }

    private static async Task<TableClient> TableAsync(string tablePrefix, CancellationToken cancellationToken)
    {
        var table = new TableServiceClient(BenchEnvironment.StorageConnectionString).GetTableClient(tablePrefix + "roundtrip");
        await table.CreateIfNotExistsAsync(cancellationToken);
        return table;
    }

    /// <summary>Runs <paramref name="count"/> operations one at a time after a warm-up, timing each (the warm-up's too, but unrecorded).</summary>
    private static async Task<LatencyFigures> TimeAsync(int count, Func<int, Task> operation)
    {
        var latencies = new double[count];
        for (var i = 0; i < Warmup + count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation(i);
            if (i >= Warmup)
            {
                latencies[i - Warmup] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        return new LatencyFigures(latencies);
    }
}
