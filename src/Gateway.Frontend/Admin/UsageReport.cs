namespace Gateway.Frontend.Admin;

/// <summary>Spend grouped by user, team, model or key over [from, to), largest first.</summary>
public sealed record UsageReport(string GroupBy, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<UsageRow> Rows, long TotalCostMicros, string TotalCostUsd);
