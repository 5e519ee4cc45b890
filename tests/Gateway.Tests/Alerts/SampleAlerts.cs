using Gateway.Grains.Alerts;

namespace Gateway.Tests.Alerts;

/// <summary>Alerts as the grains would raise them.</summary>
public static class SampleAlerts
{
    public static readonly DateTimeOffset Day = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

    public static BudgetAlert User(string userId, int threshold = 80, long capMicros = 5_000_000, long spentMicros = 4_020_000) => new(
        BudgetAlert.UserScope, userId, userId, "platform", threshold, capMicros, spentMicros,
        BudgetPeriod.Daily, Day, Day.AddDays(1), Day.AddHours(15));
}
