namespace Gateway.Cli.Api;

/// <summary>A user's or team's live budget as the admin API returns it; a null cap means none.</summary>
internal sealed record BudgetDetails(
    long? CapMicros,
    string? CapUsd,
    long SpentMicros,
    string? SpentUsd,
    string? ReservedUsd,
    string? RemainingUsd,
    int InFlight,
    long PeriodRequests,
    string? Period,
    DateTimeOffset? PeriodResetsAt,
    IReadOnlyList<PastPeriod>? PastPeriods,
    RateDetails? Rate,
    SpendControlsDetails? SpendControls = null);

/// <summary>Rate limits (null: none) and what the last minute used of them.</summary>
internal sealed record RateDetails(long? Rpm, long? Tpm, long RequestsLastMinute, long TokensLastMinute);
