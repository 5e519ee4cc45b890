namespace Gateway.Storage.Pricing;

/// <summary>
/// A model's price as the prices table holds it: micro-dollars per million tokens (<c>Int64</c>
/// columns, never decimal; a row from before the cache-write columns reads with their defaults, 1.25x and 2x the input), its token limits, who set it when, and the row's ETag as its version.
/// </summary>
public sealed record StoredPrice(
    string Model,
    long InputMicrosPerMTok,
    long OutputMicrosPerMTok,
    long CachedInputMicrosPerMTok,
    long CacheWrite5mMicrosPerMTok,
    long CacheWrite1hMicrosPerMTok,
    int? MaxOutputTokens,
    int? ContextWindow,
    string? Provider,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    string? Version = null);
