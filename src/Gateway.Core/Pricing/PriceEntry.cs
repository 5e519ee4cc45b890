namespace Gateway.Core.Pricing;

/// <summary>
/// A model's price and, when known, its largest possible output (the default reservation ceiling)
/// and its context window (the most prompt tokens the gateway will count before refusing).
/// </summary>
public sealed record PriceEntry(ModelPrice Price, int? MaxOutputTokens, string? Provider, int? ContextWindow = null);
