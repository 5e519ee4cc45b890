using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Pricing;

/// <summary>Re-reads the prices table every <see cref="PriceOptions.RefreshInterval"/>, so a change made on any front-end applies on this one.</summary>
public sealed class PriceRefresher(PriceCatalog catalog, IOptions<PriceOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        try
        {
            // A host started without PrepareStorageAsync has read nothing yet: read at once rather than after a tick.
            if (catalog.LoadedAt is null)
            {
                await catalog.RefreshAsync(stoppingToken);
            }

            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await catalog.RefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
