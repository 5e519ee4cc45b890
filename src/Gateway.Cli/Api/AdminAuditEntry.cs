using System.Text.Json;

namespace Gateway.Cli.Api;

/// <summary>
/// One admin action as the admin audit log records it. <see cref="Actor"/> is the admin key id and is
/// null when no key was recognised (a failed login); <see cref="Before"/> and <see cref="After"/> are the
/// target's state around the change, in whatever shape that resource has. <see cref="Pending"/>: the
/// row written before a change whose outcome was never recorded. <see cref="Attempts"/>: failed logins
/// from one address counted into this row.
/// </summary>
internal sealed record AdminAuditEntry(
    DateTimeOffset? At,
    string? Action,
    string? Actor,
    string? ActorName,
    string? Target,
    bool Success,
    int? Status,
    string? Detail,
    JsonElement? Before,
    JsonElement? After,
    string? ClientAddress,
    bool Pending = false,
    int? Attempts = null,
    DateTimeOffset? LastAttemptAt = null);
