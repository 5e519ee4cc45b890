using System.Text.Json.Serialization;

namespace Gateway.Cli.Api;

/// <summary>
/// A key as the admin API returns it. <see cref="Key"/>, the secret, is present only in the
/// response to create: the gateway stores just its hash. <see cref="Display"/> is the secret's
/// non-secret prefix (<c>gw_{keyId}_…</c>), for recognising a key in lists. A null
/// <see cref="ExpiresAt"/>, <see cref="Rpm"/> or <see cref="Tpm"/> means no such limit.
/// <see cref="Period"/> is the budget period (<c>none</c>, <c>daily</c>, <c>weekly</c>, <c>monthly</c>);
/// the spent amounts are those of the current period, and <see cref="PastPeriods"/> holds the
/// finished ones, most recent last. <see cref="PeriodStart"/> and <see cref="PeriodResetsAt"/> are
/// null for <c>none</c>.
/// </summary>
internal sealed record KeyDetails(
    string KeyId,
    string? Key,
    string UserId,
    string? Name,
    IReadOnlyList<string>? Models,
    [property: JsonConverter(typeof(StringOrNumberConverter))] string? Status,
    long CapMicros,
    string? CapUsd,
    long SpentMicros,
    string? SpentUsd,
    long ReservedMicros,
    string? ReservedUsd,
    long RemainingMicros,
    string? RemainingUsd,
    int InFlight,
    long RequestCount,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? RevokedAt,
    string? Display,
    DateTimeOffset? ExpiresAt,
    int? Rpm,
    long? Tpm,
    ContentCapture? Capture,
    string? Period = null,
    DateTimeOffset? PeriodStart = null,
    DateTimeOffset? PeriodResetsAt = null,
    IReadOnlyList<PastPeriod>? PastPeriods = null,
    RateDetails? Rate = null,
    SpendControlsDetails? SpendControls = null);
