using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Alerts;

// The webhook URL is a secret: no message here takes it, or an exception that might carry it.
public sealed partial class BudgetAlertDispatcher
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Message}")]
    private static partial void LogAlert(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert for {Target} at {Threshold}% dropped: {Capacity} alerts are already queued")]
    private static partial void LogDropped(ILogger logger, string target, int threshold, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Budget alert for {Target} at {Threshold}% not written to the admin audit after {Attempts} attempts ({Reason})")]
    private static partial void LogAuditFailed(ILogger logger, string target, int threshold, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert for {Target} at {Threshold}% not sent to the webhook: the delivery queue is full")]
    private static partial void LogDeliveryDropped(ILogger logger, string target, int threshold);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Budget alert webhook for {Target} at {Threshold}%: attempt {Attempt} failed ({Failure}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string target, int threshold, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert webhook for {Target} at {Threshold}% failed after {Attempts} attempts ({Failure}, {Why})")]
    private static partial void LogDeliveryFailed(ILogger logger, string target, int threshold, int attempts, string failure, string why);
}
