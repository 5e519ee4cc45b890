namespace Gateway;

/// <summary>Live budget state of a user or a team: what the operator view shows.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.BudgetSnapshot")]
public sealed record BudgetSnapshot(
    [property: Id(0)] BudgetLimits Limits,
    [property: Id(1)] long SpentMicros,
    [property: Id(2)] long ReservedMicros,
    [property: Id(3)] int InFlight,
    [property: Id(4)] long PeriodRequests,
    [property: Id(5)] DateTimeOffset? PeriodStart,
    [property: Id(6)] DateTimeOffset? PeriodResetsAt,
    [property: Id(7)] IReadOnlyList<PeriodTotal> PastPeriods,
    [property: Id(8)] RateUsage Rate);

/// <summary>Requests and tokens counted in the last minute, against the limits that apply.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.RateUsage")]
public sealed record RateUsage(
    [property: Id(0)] int? Rpm,
    [property: Id(1)] long? Tpm,
    [property: Id(2)] int RequestsLastMinute,
    [property: Id(3)] long TokensLastMinute);
