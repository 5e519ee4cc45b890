using Gateway.Core.Pricing;

namespace Gateway.Tests.Pricing;

/// <summary>The price file's cache-write rates: read exactly when stated, Anthropic's multiples of the input when not.</summary>
public sealed class PriceTableTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"prices-{Guid.NewGuid():N}.json");

    [Fact]
    public void Cache_write_rates_are_read_exactly_and_default_to_1_25x_and_2x_the_input()
    {
        File.WriteAllText(_path, """
            {
              "models": {
                "stated":  { "input": "3.00", "output": "15.00", "cachedInput": "0.30", "cacheWrite5m": "3.75", "cacheWrite1h": "6.00" },
                "odd":     { "input": "0.000003", "output": "1", "cacheWrite5m": 0.5 },
                "omitted": { "input": "0.15", "output": "0.60" },
              },
              "default": { "input": "2", "output": "8" },
            }
            """);

        var table = PriceTable.Load(_path);

        Assert.True(table.TryGet("stated", out var stated));
        Assert.Equal(new ModelPrice(3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000), stated.Price);

        // 3 micro-dollars per million in: 5-minute writes as stated (a JSON number), 1-hour writes 2 x 3 = 6;
        // cached input defaults to the input.
        Assert.True(table.TryGet("odd", out var odd));
        Assert.Equal(new ModelPrice(3, 1_000_000, 3, 500_000, 6), odd.Price);

        // $0.15 in: 5-minute writes 150,000 x 1.25 = 187,500, 1-hour writes 300,000.
        Assert.True(table.TryGet("omitted", out var omitted));
        Assert.Equal(new ModelPrice(150_000, 600_000, 150_000, 187_500, 300_000), omitted.Price);

        // The default price gets the same defaults: $2 in, $2.50 and $4.
        Assert.Equal(new ModelPrice(2_000_000, 8_000_000, 2_000_000, 2_500_000, 4_000_000), table.Default!.Price);
    }

    [Fact]
    public void A_cache_write_rate_that_is_not_an_amount_names_the_entry()
    {
        File.WriteAllText(_path, """{ "models": { "broken": { "input": "1", "output": "1", "cacheWrite1h": "two dollars" } } }""");

        var error = Assert.Throws<InvalidDataException>(() => PriceTable.Load(_path));
        Assert.Contains("'broken'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_price_file_prices_claude_cache_traffic_as_published()
    {
        var table = PriceTable.Load(Path.Combine(AppContext.BaseDirectory, "prices.json"));

        // Anthropic: cache reads 0.1x input, 5-minute writes 1.25x, 1-hour writes 2x.
        Assert.True(table.TryGet("claude-sonnet-4-5-20250929", out var sonnet));
        Assert.Equal(new ModelPrice(3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000), sonnet.Price);
        Assert.True(table.TryGet("claude-opus-4-1", out var opus));
        Assert.Equal(new ModelPrice(15_000_000, 75_000_000, 1_500_000, 18_750_000, 30_000_000), opus.Price);
        Assert.True(table.TryGet("claude-haiku-4-5", out var haiku));
        Assert.Equal(new ModelPrice(1_000_000, 5_000_000, 100_000, 1_250_000, 2_000_000), haiku.Price);
    }

    public void Dispose() => File.Delete(_path);
}
