namespace Gateway.Frontend.Admin;

/// <summary>The query string of <c>GET /admin/v1/audit</c> as given, before <see cref="AuditQuery.Parse"/> checks it.</summary>
public sealed record AuditQueryParameters(
    string? KeyId,
    string? UserId,
    string? TeamId,
    bool? All,
    string? Model,
    string? Outcome,
    string? RequestId,
    DateTimeOffset? From,
    DateTimeOffset? To,
    int? Limit,
    string? Continuation);
