using Gateway.Storage.Journal;
using Gateway.Grains.Keys;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Grains.Journal;

/// <summary>
/// Finds journal rows older than a lease: intents whose silo or front-end may have died, and settled
/// rows a dead silo never copied into the ledger, and asks each such key's grain to settle its
/// abandoned intents as <c>unknown</c>; activating the grain (on a live silo) also copies the settled
/// rows. Every silo runs one, each interval calling every shard's <see cref="JournalShardGrain"/>:
/// the first call of the interval sweeps the shard and the others find it swept, so the sweep runs
/// while any silo lives and reads each shard once an interval for the whole fleet.
/// </summary>
public sealed partial class JournalSweeper(
    IntentJournal journal,
    IGrainFactory grains,
    TimeProvider time,
    IOptions<KeyGrainOptions> options,
    ILogger<JournalSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepOnceAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Calls every shard's grain, side by side; the abandoned requests settled (0 for shards another silo swept this interval).</summary>
    public async Task<int> SweepOnceAsync() =>
        (await Task.WhenAll(journal.Shards.Select(s => SweepAsync(JournalShardGrain.KeyOf(s.Account, s.Partition))))).Sum();

    private async Task<int> SweepAsync(string shard)
    {
        try
        {
            return await grains.GetGrain<IJournalShardGrain>(shard).Sweep();
        }
        catch (Exception ex)
        {
            LogSweepFailed(logger, shard, ex.Message);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal sweep of shard {Shard} failed ({Reason}); retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, string shard, string reason);
}
