using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

public sealed partial class KeyAdmission
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: intent for request {RequestId} could not be recorded in time; request refused with 503 and not sent")]
    private static partial void LogIntentFailed(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId} could not be held on the user's budget; request refused")]
    private static partial void LogBudgetUnavailable(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: releasing request {RequestId} on the user's budget failed; its sweep will drop it")]
    private static partial void LogReleaseFailed(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: could not look up request {RequestId} in the ledger; recording its withdrawal anyway")]
    private static partial void LogLedgerReadFailed(ILogger logger, string keyId, string requestId, Exception exception);
}
