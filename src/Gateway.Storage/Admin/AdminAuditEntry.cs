namespace Gateway.Storage.Admin;

/// <summary>
/// One admin action, or one failed attempt at one: who (admin key id and name; null when the caller
/// had no valid admin key), what, on what, the values before and after (JSON), and from where.
/// <see cref="Pending"/>: the row written before a change, not yet completed with its outcome (the
/// change may or may not have happened). <see cref="Attempts"/>: failed authentications from one
/// client address counted into this row, the last at <see cref="LastAttemptAt"/>.
/// <see cref="RowKey"/> is set on rows read back, and is what a page's cursor names.
/// </summary>
public sealed record AdminAuditEntry(
    DateTimeOffset At,
    string Action,
    string? Actor,
    string? ActorName,
    string? Target,
    bool Success,
    int Status,
    string? Detail,
    string? BeforeJson,
    string? AfterJson,
    string? ClientAddress,
    bool Pending = false,
    int Attempts = 1,
    DateTimeOffset? LastAttemptAt = null,
    string? RowKey = null);
