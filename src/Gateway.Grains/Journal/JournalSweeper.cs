using Gateway.Storage.Journal;
using Gateway.Grains.Keys;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Grains.Journal;

/// <summary>
/// Finds journal rows older than a lease: intents whose silo or front-end may have died, and settled
/// rows a dead silo never copied into the ledger. It asks each such key's grain to settle its
/// abandoned intents as <c>unknown</c>; activating the grain (on a live silo) also copies the settled
/// rows. Every silo runs one, over every journal shard; settling is idempotent in the key's grain, so
/// overlap costs only a little work.
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
                await SweepOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        // Keys whose grain may not be active: any intent older than a lease could be abandoned; its
        // key's grain judges, re-holding it for a lease first so a live front-end can renew it.
        var before = time.GetUtcNow() - (o.LeaseTimeout < o.MaxRequestDuration ? o.LeaseTimeout : o.MaxRequestDuration) - o.AbandonGrace;
        var settled = 0;
        try
        {
            // Keys with old intents, or old settled rows a dead silo never copied into the ledger:
            // activating the key's grain copies the rows; SettleAbandoned judges the intents.
            foreach (var keyId in await journal.FindKeysWithRowsBeforeAsync(before, cancellationToken))
            {
                settled += await grains.GetGrain<IApiKeyGrain>(keyId).SettleAbandoned();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSweepFailed(logger, ex.Message);
        }

        return settled;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal sweep failed ({Reason}); retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
