using System.Text.Json;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Body of <c>PUT /admin/v1/prices/{model}</c>, shaped like an entry of <c>prices.json</c>: USD per
/// million tokens as decimal strings (<c>"2.50"</c>) or numbers, read exactly into micro-dollars.
/// <c>cachedInput</c> defaults to <c>input</c>, <c>cacheWrite5m</c> and <c>cacheWrite1h</c> to 1.25x and 2x
/// <c>input</c> (Anthropic's multiples); the token limits and provider are optional.
/// </summary>
public sealed record PriceRequest(JsonElement Input, JsonElement Output, JsonElement CachedInput, int? MaxOutputTokens, int? ContextWindow, string? Provider,
    JsonElement CacheWrite5m, JsonElement CacheWrite1h);
