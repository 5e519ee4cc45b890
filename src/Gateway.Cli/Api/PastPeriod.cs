namespace Gateway.Cli.Api;

/// <summary>A finished budget period of a key: its bounds, what was spent in it and how many requests were made.</summary>
internal sealed record PastPeriod(
    DateTimeOffset? Start,
    DateTimeOffset? End,
    long SpentMicros,
    string? SpentUsd,
    long Requests);
