namespace Gateway.Grains.Budgets;

/// <summary>
/// The persisted part of a user's or team's budget: its limits and a checkpoint of its spend. The
/// checkpoint says, per key, up to which ledger row it has counted, so an activation replays the
/// rows written after it and the spend stays equal to the ledger.
/// </summary>
[GenerateSerializer, Alias("Gateway.Grains.BudgetState")]
public sealed class BudgetState
{
    [Id(0)] public long? CapMicros { get; set; }
    [Id(1)] public BudgetPeriod Period { get; set; }
    [Id(2)] public int? Rpm { get; set; }
    [Id(3)] public long? Tpm { get; set; }
    [Id(4)] public DateTimeOffset PeriodStart { get; set; }
    [Id(5)] public long SpentMicros { get; set; }
    [Id(6)] public long PeriodRequests { get; set; }

    /// <summary>Per key id: the sequence of the last of its ledger rows this budget has counted.</summary>
    [Id(7)] public Dictionary<string, long> Applied { get; set; } = new(StringComparer.Ordinal);

    [Id(8)] public List<PeriodTotal> PastPeriods { get; set; } = [];

    /// <summary>Which alert thresholds of the cap already fired in this period.</summary>
    [Id(9)] public Alerts.ThresholdState Alerts { get; set; } = new();

    /// <summary>Per-request ceilings, the concurrency limit (keys) and velocity alert settings; null: none set.</summary>
    [Id(10)] public SpendControls? Controls { get; set; }

    public BudgetLimits Limits => new(CapMicros, Period, Rpm, Tpm, Controls);
}
