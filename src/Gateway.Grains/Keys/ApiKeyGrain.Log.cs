using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

public sealed partial class ApiKeyGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyId} revoked by {RevokedBy}")]
    private static partial void LogRevoked(ILogger logger, string keyId, string revokedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyId} rotated by {RotatedBy}; the previous secret stays valid for {Grace}")]
    private static partial void LogRotated(ILogger logger, string keyId, string rotatedBy, TimeSpan grace);
}
