namespace Gateway.Storage.Admin;

/// <summary>
/// A page of the admin audit trail, newest first: after <see cref="Cursor"/> (the row key of the last
/// row of the previous page), in [<see cref="From"/>, <see cref="To"/>), with the actor (admin key id),
/// action and target given (exact matches).
/// </summary>
public sealed record AdminAuditQuery(
    int Limit,
    string? Cursor = null,
    string? Actor = null,
    string? Action = null,
    string? Target = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);
