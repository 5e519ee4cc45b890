namespace Gateway;

/// <summary>Prices in micro-dollars per million tokens, so a price like $0.15/M is an exact integer (150,000).</summary>
[GenerateSerializer, Immutable, Alias("Gateway.ModelPrice")]
public sealed record ModelPrice(
    [property: Id(0)] long InputMicrosPerMTok,
    [property: Id(1)] long OutputMicrosPerMTok,
    [property: Id(2)] long CachedInputMicrosPerMTok)
{
    /// <summary>What a request the provider does not charge for (token counting) is priced at.</summary>
    public static ModelPrice Free { get; } = new(0, 0, 0);

    /// <summary>
    /// Cost of a request in micro-dollars, rounded up so that a reservation made with the same
    /// function is never smaller than the settlement of a request that stayed within its ceiling.
    /// Cached tokens are the part of the input billed at the cached price.
    /// </summary>
    public long Cost(long inputTokens, long outputTokens, long cachedInputTokens = 0)
    {
        var uncached = Math.Max(0, inputTokens - cachedInputTokens);
        var cached = Math.Min(inputTokens, Math.Max(0, cachedInputTokens));
        var numerator = checked((Int128)uncached * InputMicrosPerMTok
            + (Int128)cached * CachedInputMicrosPerMTok
            + (Int128)outputTokens * OutputMicrosPerMTok);
        return (long)((numerator + 999_999) / 1_000_000);
    }
}
