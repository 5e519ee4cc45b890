namespace Gateway;

/// <summary>Live state of a key as its grain sees it right now.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.KeySnapshot")]
public sealed record KeySnapshot(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string? Name,
    [property: Id(3)] KeyStatus Status,
    [property: Id(4)] long CapMicros,
    [property: Id(5)] long SpentMicros,
    [property: Id(6)] long ReservedMicros,
    [property: Id(7)] int InFlight,
    [property: Id(8)] long RequestCount,
    [property: Id(9)] IReadOnlyList<string> Models,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] DateTimeOffset? RevokedAt,
    [property: Id(12)] long LedgerSequence,
    [property: Id(13)] string Silo,
    [property: Id(14)] DateTimeOffset? ExpiresAt,
    [property: Id(15)] DateTimeOffset? PreviousSecretValidUntil,
    [property: Id(16)] int? Rpm,
    [property: Id(17)] long? Tpm,
    [property: Id(18)] ContentCapture? Capture,
    [property: Id(19)] BudgetPeriod Period,
    [property: Id(20)] DateTimeOffset? PeriodStart,
    [property: Id(21)] DateTimeOffset? PeriodResetsAt,
    [property: Id(22)] IReadOnlyList<PeriodTotal> PastPeriods,
    [property: Id(23)] RateUsage? Rate = null,
    [property: Id(24)] SpendControls? Controls = null);
