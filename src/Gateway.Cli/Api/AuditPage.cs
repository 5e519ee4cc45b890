namespace Gateway.Cli.Api;

/// <summary>
/// Response of <c>GET /admin/v1/audit</c>: the most recent audited requests of a key or a user, newest
/// first, and the total cost of the requests that matched. <see cref="Matched"/>, when the gateway
/// sends it, counts every request that matched, including any that <c>limit</c> left out of
/// <see cref="Items"/>.
/// </summary>
internal sealed record AuditPage(
    IReadOnlyList<AuditEntry>? Items,
    long TotalCostMicros,
    string? TotalCostUsd,
    int? Matched);
