using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>The price file seeds an empty prices table on the first start; after that the table is the source of truth.</summary>
public sealed class PriceSeedTests : IAsyncLifetime
{
    private readonly string _prefix = TestStorage.NewPrefix();
    private readonly string _priceFile = Path.Combine(Path.GetTempPath(), $"prices-{Guid.NewGuid():N}.json");

    public Task InitializeAsync() => TestStorage.CreateTablesAsync(_prefix);

    [Fact]
    public async Task The_price_file_seeds_an_empty_table_once_and_is_not_read_again()
    {
        await File.WriteAllTextAsync(_priceFile, """
            {
              // Comments and trailing commas, as in the shipped file.
              "models": { "seedling": { "input": "1.23", "output": "4.56", "cachedInput": "0.5", "maxOutputTokens": 100, "contextWindow": 2000, }, },
              "default": { "input": "9", "output": "9" },
            }
            """);
        var seeded = await ListAsync();
        Assert.Equal(["*", "seedling"], seeded.Select(p => p.GetProperty("model").GetString()).Order(StringComparer.Ordinal));
        var seedling = seeded.Single(p => p.GetProperty("model").GetString() == "seedling");
        Assert.Equal((1_230_000L, 4_560_000L, 500_000L), (seedling.GetProperty("inputMicrosPerMTok").GetInt64(), seedling.GetProperty("outputMicrosPerMTok").GetInt64(), seedling.GetProperty("cachedInputMicrosPerMTok").GetInt64()));
        Assert.Equal((100, 2000), (seedling.GetProperty("maxOutputTokens").GetInt32(), seedling.GetProperty("contextWindow").GetInt32()));
        Assert.StartsWith("seed:", seedling.GetProperty("updatedBy").GetString(), StringComparison.Ordinal);

        // Editing the file later changes nothing: the table was seeded, and rules from now on.
        await File.WriteAllTextAsync(_priceFile, """{ "models": { "seedling": { "input": "99", "output": "99" }, "newcomer": { "input": "1", "output": "1" } } }""");
        var restarted = await ListAsync();
        Assert.Equal(["*", "seedling"], restarted.Select(p => p.GetProperty("model").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(1_230_000, restarted.Single(p => p.GetProperty("model").GetString() == "seedling").GetProperty("inputMicrosPerMTok").GetInt64());
    }

    /// <summary>Starts a gateway on this test's tables and price file, lists its prices, and stops it.</summary>
    private async Task<List<JsonElement>> ListAsync()
    {
        var settings = new GatewaySettings(_prefix, "seed-" + Guid.NewGuid().ToString("N")[..8], "http://127.0.0.1:9")
        {
            Extra = new Dictionary<string, string> { ["Gateway:Frontend:PriceFile"] = _priceFile },
        };
        await using var gateway = await GatewayServer.StartAsync(settings);
        using var admin = gateway.CreateAdminClient();
        return [.. (await admin.GetJsonAsync("/admin/v1/prices")).GetProperty("data").EnumerateArray()];
    }

    public Task DisposeAsync()
    {
        File.Delete(_priceFile);
        return Task.CompletedTask;
    }
}
