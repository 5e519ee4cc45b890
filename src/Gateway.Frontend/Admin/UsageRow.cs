namespace Gateway.Frontend.Admin;

/// <summary>
/// Spend of one user, team, model or key over the report's range. The cache reads and writes are
/// parts of <see cref="InputTokens"/>, the reasoning part of <see cref="OutputTokens"/>.
/// </summary>
public sealed record UsageRow(string Group, long Requests, long Denied, long InputTokens, long OutputTokens, long CostMicros, string CostUsd,
    long CachedInputTokens, long CacheWrite5mTokens, long CacheWrite1hTokens, long ReasoningTokens);
