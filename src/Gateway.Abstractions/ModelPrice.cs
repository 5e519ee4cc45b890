namespace Gateway;

/// <summary>Prices in micro-dollars per million tokens, so a price like $0.15/M is an exact integer (150,000).</summary>
/// <remarks>
/// The cache-write rates came later as ids 3 and 4, at the end: a peer that predates them reads a
/// price without them (and charges cache writes at the input rate, as it always did); one that
/// sends none is read with 0 here, and then the usage it reports carries no cache writes either.
/// </remarks>
[GenerateSerializer, Immutable, Alias("Gateway.ModelPrice")]
public sealed record ModelPrice(
    [property: Id(0)] long InputMicrosPerMTok,
    [property: Id(1)] long OutputMicrosPerMTok,
    [property: Id(2)] long CachedInputMicrosPerMTok,
    [property: Id(3)] long CacheWrite5mMicrosPerMTok = 0,
    [property: Id(4)] long CacheWrite1hMicrosPerMTok = 0)
{
    /// <summary>What a request the provider does not charge for (token counting) is priced at.</summary>
    public static ModelPrice Free { get; } = new(0, 0, 0);

    /// <summary>A price whose cache-write rates are Anthropic's published multiples of its input rate (<see cref="DefaultCacheWrite5m"/>, <see cref="DefaultCacheWrite1h"/>).</summary>
    public static ModelPrice WithDefaultCacheWrites(long input, long output, long cachedInput) =>
        new(input, output, cachedInput, DefaultCacheWrite5m(input), DefaultCacheWrite1h(input));

    /// <summary>A 5-minute cache write when no rate is set: 1.25 times the input rate, rounded up to the micro-dollar.</summary>
    public static long DefaultCacheWrite5m(long inputMicrosPerMTok) => checked((inputMicrosPerMTok * 5 + 3) / 4);

    /// <summary>A 1-hour cache write when no rate is set: twice the input rate.</summary>
    public static long DefaultCacheWrite1h(long inputMicrosPerMTok) => checked(inputMicrosPerMTok * 2);

    /// <summary>
    /// Cost of a request in micro-dollars, rounded up so that a reservation made with the same
    /// function is never smaller than the settlement of a request that stayed within its ceiling.
    /// <paramref name="inputTokens"/> is every prompt token, of whatever kind; the cache reads and
    /// writes are the parts of it billed at their own rates, the rest at the input rate (each part
    /// at most what is left of the input, so nothing is charged twice). Output includes reasoning.
    /// </summary>
    public long Cost(long inputTokens, long outputTokens, long cachedInputTokens = 0, long cacheWrite5mTokens = 0, long cacheWrite1hTokens = 0)
    {
        var left = Math.Max(0, inputTokens);
        var cached = Take(ref left, cachedInputTokens);
        var write5m = Take(ref left, cacheWrite5mTokens);
        var write1h = Take(ref left, cacheWrite1hTokens);
        var numerator = checked((Int128)left * InputMicrosPerMTok
            + (Int128)cached * CachedInputMicrosPerMTok
            + (Int128)write5m * CacheWrite5mMicrosPerMTok
            + (Int128)write1h * CacheWrite1hMicrosPerMTok
            + (Int128)Math.Max(0, outputTokens) * OutputMicrosPerMTok);
        return (long)((numerator + 999_999) / 1_000_000);

        static long Take(ref long left, long tokens)
        {
            var taken = Math.Min(left, Math.Max(0, tokens));
            left -= taken;
            return taken;
        }
    }

    /// <summary>
    /// The cost of a settled request's usage: reasoning tokens are not added, because every
    /// provider's output count already includes them.
    /// </summary>
    public long Cost(UsageReport usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return Cost(usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.CacheWrite5mTokens, usage.CacheWrite1hTokens);
    }

    /// <summary>
    /// The most a prompt token can cost: the dearest of the input-side rates the provider may bill
    /// it at. Cache writes count only where the provider writes caches at a charge (Anthropic), and
    /// 1-hour writes only when <paramref name="oneHourWrites"/> says the request may make them.
    /// </summary>
    public long DearestInputRate(bool cacheWrites, bool oneHourWrites = true)
    {
        var dearest = Math.Max(InputMicrosPerMTok, CachedInputMicrosPerMTok);
        if (!cacheWrites)
        {
            return dearest;
        }

        dearest = Math.Max(dearest, CacheWrite5mMicrosPerMTok);
        return oneHourWrites ? Math.Max(dearest, CacheWrite1hMicrosPerMTok) : dearest;
    }

    /// <summary>
    /// What a request may cost at most: every prompt token at <see cref="DearestInputRate"/> and the
    /// output ceiling at the output rate, rounded up like <see cref="Cost(long, long, long, long, long)"/>.
    /// </summary>
    public long WorstCaseCost(long promptTokens, long outputTokens, bool cacheWrites, bool oneHourWrites = true)
    {
        var numerator = checked((Int128)Math.Max(0, promptTokens) * DearestInputRate(cacheWrites, oneHourWrites)
            + (Int128)Math.Max(0, outputTokens) * OutputMicrosPerMTok);
        return (long)((numerator + 999_999) / 1_000_000);
    }
}
