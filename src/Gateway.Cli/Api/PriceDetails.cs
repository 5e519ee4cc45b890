namespace Gateway.Cli.Api;

/// <summary>A model's price as the gateway returns it: USD per million tokens as exact strings.</summary>
internal sealed record PriceDetails(
    string Model,
    string? Input,
    string? Output,
    string? CachedInput,
    int? MaxOutputTokens,
    int? ContextWindow,
    string? Provider,
    DateTimeOffset? UpdatedAt,
    string? UpdatedBy,
    string? Version,
    string? CacheWrite5m = null,
    string? CacheWrite1h = null);
