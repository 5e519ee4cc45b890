using Gateway.Grains.Keys;
using Gateway.Storage.Content;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Grains.Content;

/// <summary>Deletes captured content past its retention. Every silo runs one; deleting twice is harmless.</summary>
public sealed partial class ContentRetentionSweeper(ContentStore content, TimeProvider time, IOptions<KeyGrainOptions> options, ILogger<ContentRetentionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ContentSweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var deleted = await content.DeleteExpiredAsync(time.GetUtcNow(), stoppingToken);
                    if (deleted > 0)
                    {
                        LogDeleted(logger, deleted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} captured requests past their retention")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content retention sweep failed ({Reason}); retrying at the next interval")]
    private static partial void LogFailed(ILogger logger, string reason);
}
