namespace Gateway.Tests.Pricing;

/// <summary>
/// Every kind of token at its own rate, with the expected costs worked out by hand. Rates are
/// micro-dollars per million tokens; a rate of N per million is N/1,000,000 micro-dollars a token.
/// </summary>
public sealed class ModelPriceTests
{
    // claude-sonnet-4-5 as published: $3 in, $15 out, $0.30 cache read, $3.75 5-minute write, $6 1-hour write.
    private static readonly ModelPrice Sonnet = new(3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000);

    // gpt-4o: $2.50 in, $10 out, $1.25 cached; no cache writes at OpenAI (the defaults, never used).
    private static readonly ModelPrice Gpt4o = ModelPrice.WithDefaultCacheWrites(2_500_000, 10_000_000, 1_250_000);

    [Fact]
    public void Each_part_of_the_input_is_charged_at_its_own_rate()
    {
        // 3,600 prompt tokens: 2,000 cache reads, 1,000 5-minute writes, 500 1-hour writes, so 100 uncached; 200 output.
        // 100 x 3 + 2,000 x 0.3 + 1,000 x 3.75 + 500 x 6 + 200 x 15 = 300 + 600 + 3,750 + 3,000 + 3,000 = 10,650 micro-dollars.
        Assert.Equal(10_650, Sonnet.Cost(3_600, 200, cachedInputTokens: 2_000, cacheWrite5mTokens: 1_000, cacheWrite1hTokens: 500));
        Assert.Equal(10_650, Sonnet.Cost(new UsageReport(3_600, 200, 2_000, true, CacheWrite5mTokens: 1_000, CacheWrite1hTokens: 500)));
    }

    [Fact]
    public void Reasoning_is_charged_once_as_part_of_the_output()
    {
        // 1,000 prompt tokens, 400 of them cached; 300 output tokens, 250 of them reasoning.
        // 600 x 2.5 + 400 x 1.25 + 300 x 10 = 1,500 + 500 + 3,000 = 5,000 micro-dollars: the 250 are not added again.
        Assert.Equal(5_000, Gpt4o.Cost(new UsageReport(1_000, 300, 400, true, ReasoningTokens: 250)));
    }

    [Fact]
    public void A_fraction_of_a_micro_dollar_is_rounded_up_once_for_the_whole_request()
    {
        // 7 tokens read at $0.30/M = 2.1, 1 written for 5 minutes at $3.75/M = 3.75, 1 uncached at $3/M = 3: 8.85, charged 9.
        Assert.Equal(9, Sonnet.Cost(9, 0, cachedInputTokens: 7, cacheWrite5mTokens: 1));
    }

    [Fact]
    public void Overstated_cache_counts_never_take_the_cost_below_the_input_or_count_a_token_twice()
    {
        // 100 prompt tokens of which the provider claims 80 read, 50 written for 5 minutes and 50 for 1 hour:
        // the reads take 80, the 5-minute writes the 20 left, the 1-hour writes none. 80 x 0.3 + 20 x 3.75 = 24 + 75 = 99.
        Assert.Equal(99, Sonnet.Cost(100, 0, cachedInputTokens: 80, cacheWrite5mTokens: 50, cacheWrite1hTokens: 50));

        // Negative counts are none: 10 x 3 = 30.
        Assert.Equal(30, Sonnet.Cost(10, -5, cachedInputTokens: -3, cacheWrite5mTokens: -1, cacheWrite1hTokens: -1));
    }

    [Fact]
    public void Cache_write_defaults_are_anthropics_multiples_of_the_input_rate()
    {
        // $3 in: $3.75 and $6. $0.000001 in (1 micro-dollar per million): 1.25 rounds up to 2, and 2.
        Assert.Equal((3_750_000L, 6_000_000L), (ModelPrice.DefaultCacheWrite5m(3_000_000), ModelPrice.DefaultCacheWrite1h(3_000_000)));
        Assert.Equal((2L, 2L), (ModelPrice.DefaultCacheWrite5m(1), ModelPrice.DefaultCacheWrite1h(1)));
        Assert.Equal((187_500L, 300_000L), (ModelPrice.DefaultCacheWrite5m(150_000), ModelPrice.DefaultCacheWrite1h(150_000)));
    }

    [Fact]
    public void The_worst_case_takes_every_prompt_token_at_the_dearest_input_side_rate_the_dialect_can_bill()
    {
        // Anthropic: 1,000 prompt tokens at the 1-hour write rate, $6/M, + 100 output at $15/M = 6,000 + 1,500 = 7,500.
        Assert.Equal(6_000_000, Sonnet.DearestInputRate(cacheWrites: true));
        Assert.Equal(7_500, Sonnet.WorstCaseCost(1_000, 100, cacheWrites: true));

        // OpenAI bills no cache writes: the input rate, $2.50/M. 1,000 x 2.5 + 100 x 10 = 2,500 + 1,000 = 3,500.
        Assert.Equal(2_500_000, Gpt4o.DearestInputRate(cacheWrites: false));
        Assert.Equal(3_500, Gpt4o.WorstCaseCost(1_000, 100, cacheWrites: false));

        // A cache read dearer than the input (a misconfiguration) is still covered: 10 x 5 = 50.
        Assert.Equal(50, new ModelPrice(1_000_000, 0, 5_000_000, 0, 0).WorstCaseCost(10, 0, cacheWrites: false));
    }

    [Fact]
    public void No_settlement_of_a_prompt_within_its_count_exceeds_the_worst_case()
    {
        // Every split of 1,000 prompt tokens into uncached, read, 5-minute and 1-hour writes, in steps of 250.
        var worst = Sonnet.WorstCaseCost(1_000, 64, cacheWrites: true);
        for (var read = 0; read <= 1_000; read += 250)
        {
            for (var write5m = 0; read + write5m <= 1_000; write5m += 250)
            {
                for (var write1h = 0; read + write5m + write1h <= 1_000; write1h += 250)
                {
                    Assert.True(Sonnet.Cost(1_000, 64, read, write5m, write1h) <= worst, $"read {read}, 5m {write5m}, 1h {write1h}");
                }
            }
        }

        // The whole prompt written to the 1-hour cache is the worst case itself: 1,000 x 6 + 64 x 15 = 6,960.
        Assert.Equal(6_960, Sonnet.Cost(1_000, 64, cacheWrite1hTokens: 1_000));
        Assert.Equal(6_960, worst);
    }
}
