using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

public sealed partial class KeySettler
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} on {Model} settled with tokens but zero cost; check the price table")]
    private static partial void LogZeroCost(ILogger logger, string keyId, string requestId, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} on {Model} cost {CostMicros} micro-dollars as reported, above its reservation of {ReservedMicros}")]
    private static partial void LogOverReservation(ILogger logger, string keyId, string requestId, string model, long costMicros, long reservedMicros);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} abandoned; settling as unknown at {ReservedMicros} micro-dollars")]
    private static partial void LogAbandoned(ILogger logger, string keyId, string requestId, long reservedMicros);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId} settled with no intent held or in the journal; recorded unpriced")]
    private static partial void LogSettledWithoutIntent(ILogger logger, string keyId, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: retiring intent {RequestId} failed; the sweeper will retry")]
    private static partial void LogRetireFailed(ILogger logger, string keyId, string requestId, Exception exception);
}
