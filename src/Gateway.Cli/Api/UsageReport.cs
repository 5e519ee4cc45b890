namespace Gateway.Cli.Api;

/// <summary>Response of <c>GET /admin/v1/usage</c>: spend per group over [from, to), largest first.</summary>
internal sealed record UsageReport(
    string? GroupBy,
    DateTimeOffset? From,
    DateTimeOffset? To,
    IReadOnlyList<UsageRow>? Rows,
    long TotalCostMicros,
    string? TotalCostUsd);
