using System.Text.Json;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Body of <c>PUT /admin/v1/prices/{model}</c>, shaped like an entry of <c>prices.json</c>: USD per
/// million tokens as decimal strings (<c>"2.50"</c>) or numbers, read exactly into micro-dollars.
/// <c>cachedInput</c> defaults to <c>input</c>; the token limits and provider are optional.
/// </summary>
public sealed record PriceRequest(JsonElement Input, JsonElement Output, JsonElement CachedInput, int? MaxOutputTokens, int? ContextWindow, string? Provider);
