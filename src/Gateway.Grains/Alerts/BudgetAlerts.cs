using Microsoft.Extensions.Options;

namespace Gateway.Grains.Alerts;

/// <summary>
/// What grains use to raise threshold alerts: decides with <see cref="BudgetThresholds"/> which
/// thresholds a cap's spend has newly reached and hands an alert for each to the dispatcher, which
/// delivers it off the request path.
/// </summary>
public sealed class BudgetAlerts(IBudgetAlertSink sink, IOptions<AlertOptions> options, TimeProvider time)
{
    /// <summary>True when an alert fired, so the state holding <paramref name="fired"/> changed and should be written.</summary>
    public bool Observe(ThresholdState fired, string scope, string scopeId, DateTimeOffset? periodStart, BudgetPeriod period, long capMicros, long spentMicros,
        string? userId = null, string? teamId = null) =>
        Publish(BudgetThresholds.Observe(fired, periodStart, capMicros, spentMicros, options.Value.Thresholds), false,
            scope, scopeId, periodStart, period, capMicros, spentMicros, userId, teamId);

    /// <summary>
    /// The cap refused a request: it is as good as reached, even when what is left is a little more
    /// than nothing. Every threshold up to 100% that has not fired in this period fires now, once.
    /// </summary>
    public bool Refused(ThresholdState fired, string scope, string scopeId, DateTimeOffset? periodStart, BudgetPeriod period, long capMicros, long spentMicros,
        string? userId = null, string? teamId = null) =>
        Publish(BudgetThresholds.Observe(fired, periodStart, capMicros, capMicros, [.. options.Value.Thresholds.Where(t => t <= 100)]), true,
            scope, scopeId, periodStart, period, capMicros, spentMicros, userId, teamId);

    /// <summary>A new rolling window for a key's or user's spend, with the configured window and baseline.</summary>
    public SpendVelocity NewVelocity() => new(options.Value.Velocity, time.GetUtcNow());

    /// <summary>Whether the multiple-of-normal rule is on for a budget with these controls (its own setting, else the default).</summary>
    public bool WatchesNormal(SpendControls? controls) => (controls?.VelocityMultiple ?? options.Value.Velocity.Multiple) is > 0;

    /// <summary>
    /// Checks the window that ends now against the budget's own velocity settings, else the configured
    /// defaults, and raises one alert per episode; true when one fired.
    /// </summary>
    public bool CheckVelocity(SpendVelocity velocity, SpendControls? controls, string scope, string scopeId, long? capMicros, long spentMicros, BudgetPeriod period,
        string? userId = null, string? teamId = null)
    {
        var defaults = options.Value.Velocity;
        var rate = controls?.VelocityMicrosPerHour ?? (defaults.UsdPerHour is { } usd ? Gateway.Core.Money.FromUsd(usd) : null);
        var multiple = controls?.VelocityMultiple ?? defaults.Multiple;
        var now = time.GetUtcNow();
        if (velocity.Check(now, rate, multiple) is not { } spike)
        {
            return false;
        }

        sink.Publish(new BudgetAlert(scope, scopeId, scope == BudgetAlert.UserScope ? scopeId : userId, teamId, 0, capMicros ?? 0, spentMicros, period, null, null, now,
            Velocity: spike));
        return true;
    }

    private bool Publish(IReadOnlyList<int> reached, bool refusing, string scope, string scopeId, DateTimeOffset? periodStart, BudgetPeriod period, long capMicros, long spentMicros,
        string? userId, string? teamId)
    {
        foreach (var threshold in reached)
        {
            var periodEnd = periodStart is { } start ? Gateway.Core.BudgetPeriods.NextAfter(period, start) : null;
            sink.Publish(new BudgetAlert(scope, scopeId, scope == BudgetAlert.UserScope ? scopeId : userId, scope == BudgetAlert.TeamScope ? scopeId : teamId,
                threshold, capMicros, spentMicros, period, periodStart, periodEnd, time.GetUtcNow(), refusing));
        }

        return reached.Count > 0;
    }
}
