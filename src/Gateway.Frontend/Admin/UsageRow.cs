namespace Gateway.Frontend.Admin;

/// <summary>Spend of one user, team, model or key over the report's range.</summary>
public sealed record UsageRow(string Group, long Requests, long Denied, long InputTokens, long OutputTokens, long CostMicros, string CostUsd);
