namespace Gateway.Storage.Admin;

/// <summary>
/// One admin action, or one failed attempt at one: who (admin key id and name; null when the caller
/// had no valid admin key), what, on what, the values before and after (JSON), and from where.
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
    string? ClientAddress);
