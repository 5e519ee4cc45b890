namespace Gateway.Grains.Alerts;

/// <summary>Where grains hand budget alerts. Called on the request path.</summary>
public interface IBudgetAlertSink
{
    /// <summary>Queues an alert for the admin audit, the log and the webhook; never blocks and never throws.</summary>
    void Publish(BudgetAlert alert);
}
