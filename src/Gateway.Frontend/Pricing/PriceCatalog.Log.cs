using Microsoft.Extensions.Logging;

namespace Gateway.Frontend.Pricing;

public sealed partial class PriceCatalog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the prices table with {Count} prices from {PriceFile}; from now on the table is the source of truth")]
    private static partial void LogSeeded(ILogger logger, int count, string priceFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The prices table could not be read; the table read at {LoadedAt} stays in force")]
    private static partial void LogRefreshFailed(ILogger logger, DateTimeOffset? loadedAt, Exception exception);
}
