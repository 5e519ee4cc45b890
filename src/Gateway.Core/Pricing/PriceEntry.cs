namespace Gateway.Core.Pricing;

/// <summary>A model's price and, when known, its largest possible output (the default reservation ceiling).</summary>
public sealed record PriceEntry(ModelPrice Price, int? MaxOutputTokens, string? Provider);
