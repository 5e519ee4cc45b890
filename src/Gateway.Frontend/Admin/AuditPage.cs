namespace Gateway.Frontend.Admin;

/// <summary>Audited requests, newest first, and the total settled cost of every row that matched.</summary>
public sealed record AuditPage(IReadOnlyList<AuditItem> Items, long TotalCostMicros, string TotalCostUsd, int Matched);
