using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

public sealed partial class ApiKeyGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyId} revoked by {RevokedBy}")]
    private static partial void LogRevoked(ILogger logger, string keyId, string revokedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyId} rotated by {RotatedBy}; the previous secret stays valid for {Grace}")]
    private static partial void LogRotated(ILogger logger, string keyId, string rotatedBy, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: intent for request {RequestId} could not be recorded in time; request refused with 503 and not sent")]
    private static partial void LogIntentFailed(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId} could not be held on the user's budget; request refused")]
    private static partial void LogBudgetUnavailable(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: releasing request {RequestId} on the user's budget failed; its sweep will drop it")]
    private static partial void LogReleaseFailed(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} on {Model} settled with tokens but zero cost; check the price table")]
    private static partial void LogZeroCost(ILogger logger, string keyId, string requestId, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} on {Model} cost {CostMicros} micro-dollars as reported, above its reservation of {ReservedMicros}")]
    private static partial void LogOverReservation(ILogger logger, string keyId, string requestId, string model, long costMicros, long reservedMicros);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} abandoned; settling as unknown at {ReservedMicros} micro-dollars")]
    private static partial void LogAbandoned(ILogger logger, string keyId, string requestId, long reservedMicros);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId} settled with no intent held or in the journal; recorded unpriced")]
    private static partial void LogSettledWithoutIntent(ILogger logger, string keyId, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: could not look up request {RequestId} in the ledger; recording its withdrawal anyway")]
    private static partial void LogLedgerReadFailed(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: retiring intent {RequestId} failed; the sweeper will retry")]
    private static partial void LogRetireFailed(ILogger logger, string keyId, string requestId, Exception exception);
}
