using Microsoft.Extensions.Logging;

namespace Gateway.Frontend.Admin;

public sealed partial class AdminAuthFailures
{
    [LoggerMessage(Level = LogLevel.Error, Message = "A failed admin authentication from {ClientAddress} could not be written to the admin audit trail; it is counted into the window's row")]
    private static partial void LogFirstNotAudited(ILogger logger, string? clientAddress, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Attempts} failed admin authentications from {ClientAddress} could not be counted in the admin audit trail")]
    private static partial void LogCountNotAudited(ILogger logger, string? clientAddress, int attempts, Exception exception);
}
