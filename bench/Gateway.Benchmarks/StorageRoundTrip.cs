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
        var table = new TableServiceClient(BenchEnvironment.StorageConnectionString).GetTableClient(tablePrefix + "roundtrip");
        await table.CreateIfNotExistsAsync(cancellationToken);
        await table.UpsertEntityAsync(new TableEntity("probe", "probe") { ["Payload"] = new string('x', 256) }, cancellationToken: cancellationToken);

        var latencies = new double[reads];
        for (var i = -Warmup; i < reads; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await table.GetEntityAsync<TableEntity>("probe", "probe", cancellationToken: cancellationToken);
            if (i >= 0)
            {
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        return new LatencyFigures(latencies);
    }

    /// <summary>
    /// Inserts of new entities of about an intent's size, one at a time: what the intent on a
    /// request's path costs in storage alone, printed beside the point read the target is judged by.
    /// </summary>
    public static async Task<LatencyFigures> MeasureInsertsAsync(string tablePrefix, int inserts, CancellationToken cancellationToken)
    {
        var table = new TableServiceClient(BenchEnvironment.StorageConnectionString).GetTableClient(tablePrefix + "roundtrip");
        await table.CreateIfNotExistsAsync(cancellationToken);
        var payload = new string('x', 512);
        var latencies = new double[inserts];
        for (var i = -Warmup; i < inserts; i++)
        {
            var entity = new TableEntity("insert", (i + Warmup).ToString("D8", System.Globalization.CultureInfo.InvariantCulture)) { ["D"] = payload };
            var started = Stopwatch.GetTimestamp();
            await table.AddEntityAsync(entity, cancellationToken);
            if (i >= 0)
            {
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        return new LatencyFigures(latencies);
    }
}
