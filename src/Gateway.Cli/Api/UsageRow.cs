namespace Gateway.Cli.Api;

/// <summary>One user's, team's, model's or key's spend in a usage report.</summary>
internal sealed record UsageRow(string? Group, long Requests, long Denied, long InputTokens, long OutputTokens, long CostMicros, string? CostUsd,
    long CachedInputTokens = 0, long CacheWrite5mTokens = 0, long CacheWrite1hTokens = 0, long ReasoningTokens = 0);
