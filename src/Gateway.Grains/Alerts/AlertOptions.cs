namespace Gateway.Grains.Alerts;

/// <summary>Soft budget alerts: at which shares of a cap to alert, and where to send the alerts.</summary>
public sealed class AlertOptions
{
    public const string Section = "Gateway:Alerts";

    /// <summary>
    /// A Slack-compatible incoming webhook; null or empty sends none (alerts still reach the admin
    /// audit and the log). A secret, like every Slack webhook URL: never logged.
    /// </summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Percentages of a cap that raise an alert, ascending, each 1–1000; once per period each.</summary>
    public int[] Thresholds { get; set; } = [50, 80, 100];

    /// <summary>Webhook attempts per alert, the first included.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay before the first webhook retry; doubled per retry, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts, a webhook's <c>Retry-After</c> included.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Alerts waiting to be recorded; past it new alerts are dropped (and counted, and logged).</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Velocity alerts: spend over a short window against a fixed rate or a multiple of the normal.</summary>
    public VelocityOptions Velocity { get; set; } = new();

    internal Uri? WebhookUri => string.IsNullOrWhiteSpace(WebhookUrl) ? null : new Uri(WebhookUrl, UriKind.Absolute);
}
