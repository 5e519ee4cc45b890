namespace Gateway.Grains.Alerts;

/// <summary>
/// Which thresholds of one cap already fired in its current period; kept in the owning grain's
/// state so an alert is sent once per period even across reactivations.
/// </summary>
[GenerateSerializer, Alias("Gateway.Grains.ThresholdState")]
public sealed class ThresholdState
{
    /// <summary>Start of the period <see cref="Fired"/> belongs to; null for a cap without a period.</summary>
    [Id(0)] public DateTimeOffset? PeriodStart { get; set; }

    /// <summary>Thresholds (percent) already alerted in this period, ascending.</summary>
    [Id(1)] public List<int> Fired { get; set; } = [];
}
