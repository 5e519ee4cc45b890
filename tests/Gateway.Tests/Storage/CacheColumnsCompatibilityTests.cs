using Azure.Data.Tables;
using Gateway.Core.Pricing;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Gateway.Storage.Pricing;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Storage;

/// <summary>
/// Rows written before the cache-write and reasoning columns: ledger rows read them as 0 and still
/// verify, prices and intents read the default cache-write rates (never 0, which would make writes free).
/// </summary>
public sealed class CacheColumnsCompatibilityTests
{
    private static readonly string[] NewLedgerColumns =
        ["CacheWrite5mTokens", "CacheWrite1hTokens", "ReasoningTokens", "PriceCacheWrite5mMicrosPerMTok", "PriceCacheWrite1hMicrosPerMTok"];

    [Fact]
    public void Ledger_row_without_the_new_columns_reads_them_as_0_and_still_verifies()
    {
        var sealedRow = Row().Seal(TestStorage.ChainKey, 7, "previous");
        var entity = sealedRow.ToEntity();
        foreach (var column in NewLedgerColumns)
        {
            entity.Remove(column);
        }

        var read = AuditRecord.FromEntity(entity);

        Assert.Equal((0L, 0L, 0L, 0L, 0L),
            (read.CacheWrite5mTokens, read.CacheWrite1hTokens, read.ReasoningTokens, read.PriceCacheWrite5mMicrosPerMTok, read.PriceCacheWrite1hMicrosPerMTok));
        Assert.True(TestStorage.ChainKey.Verifies(read.Canonical(), read.Hash), "a row from before the columns hashes as it always did");
        Assert.DoesNotContain("w5m:", read.Canonical(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_new_column_is_covered_by_the_rows_hash()
    {
        var sealedRow = (Row() with
        {
            CacheWrite5mTokens = 8, CacheWrite1hTokens = 4, ReasoningTokens = 20, PriceCacheWrite5mMicrosPerMTok = 3_750_000, PriceCacheWrite1hMicrosPerMTok = 6_000_000,
        }).Seal(TestStorage.ChainKey, 7, "previous");

        var read = AuditRecord.FromEntity(sealedRow.ToEntity());
        Assert.Equal((8L, 4L, 20L, 3_750_000L, 6_000_000L),
            (read.CacheWrite5mTokens, read.CacheWrite1hTokens, read.ReasoningTokens, read.PriceCacheWrite5mMicrosPerMTok, read.PriceCacheWrite1hMicrosPerMTok));
        Assert.True(TestStorage.ChainKey.Verifies(read.Canonical(), read.Hash));

        // Moving tokens from the 1-hour column to the 5-minute one (a cheaper rate) breaks the hash, and so does each other edit.
        AuditRecord[] edits =
        [
            read with { CacheWrite5mTokens = 12, CacheWrite1hTokens = 0 },
            read with { ReasoningTokens = 0 },
            read with { PriceCacheWrite1hMicrosPerMTok = 3_000_000 },
            read with { PriceCacheWrite5mMicrosPerMTok = 0 },
        ];
        Assert.All(edits, edited => Assert.False(TestStorage.ChainKey.Verifies(edited.Canonical(), edited.Hash)));
    }

    [Fact]
    public void Intent_recorded_without_cache_write_rates_settles_at_the_defaults()
    {
        // An intent's payload as a front-end of the previous version wrote it: $3 in, no W5/W1.
        var entity = new TableEntity("j000", "req-old")
        {
            ["KeyId"] = "k", ["UserId"] = "u",
            ["D"] = """{"M":"claude-sonnet-4-5","P":"anthropic","E":"/v1/messages","S":false,"R":1290,"In":55,"Out":64,"Pi":3000000,"Po":15000000,"Pc":300000,"F":"fe","G":"r"}""",
        };

        var intent = IntentEntry.FromEntity(entity);

        // 3,000,000 x 1.25 = 3,750,000 and x 2 = 6,000,000.
        Assert.Equal(new ModelPrice(3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000), intent.Price);

        // And one with them reads them back as written.
        var current = IntentEntry.FromEntity((intent with { PriceCacheWrite5mMicrosPerMTok = 4_000_000, PriceCacheWrite1hMicrosPerMTok = 7_000_000 }).ToEntity());
        Assert.Equal((4_000_000L, 7_000_000L), (current.PriceCacheWrite5mMicrosPerMTok, current.PriceCacheWrite1hMicrosPerMTok));
    }

    [Fact]
    public async Task Price_row_without_cache_write_columns_reads_the_defaults_of_its_input()
    {
        var tables = await TestStorage.CreateTablesAsync(TestStorage.NewPrefix());
        await tables.Prices.AddEntityAsync(new TableEntity("price", PricedModelName.RowKey("acme-old"))
        {
            ["Model"] = "acme-old", ["InputMicrosPerMTok"] = 2_000_000L, ["OutputMicrosPerMTok"] = 8_000_000L, ["CachedInputMicrosPerMTok"] = 500_000L,
            ["UpdatedAt"] = DateTimeOffset.UtcNow, ["UpdatedBy"] = "seed:prices.json",
        });

        var price = await new PriceStore(tables).GetAsync("acme-old", CancellationToken.None);

        // $2 in: 2,000,000 x 1.25 = 2,500,000 and 2,000,000 x 2 = 4,000,000.
        Assert.NotNull(price);
        Assert.Equal((2_000_000L, 500_000L, 2_500_000L, 4_000_000L),
            (price.InputMicrosPerMTok, price.CachedInputMicrosPerMTok, price.CacheWrite5mMicrosPerMTok, price.CacheWrite1hMicrosPerMTok));
    }

    private static AuditRecord Row() => new()
    {
        KeyId = "k1", Sequence = 0, RequestId = "req-1", UserId = "u1", Model = "claude-sonnet-4-5", Provider = "anthropic", Endpoint = "/v1/messages",
        InputTokens = 44, OutputTokens = 32, CachedInputTokens = 20, UsageReported = true, ReservedMicros = 1_290, CostMicros = 576,
        PriceInputMicrosPerMTok = 3_000_000, PriceOutputMicrosPerMTok = 15_000_000, PriceCachedMicrosPerMTok = 300_000,
        HttpStatus = 200, Outcome = "completed", FrontendInstance = "fe", Region = "r", PreviousHash = "",
        StartedAt = DateTimeOffset.UnixEpoch, RecordedAt = DateTimeOffset.UnixEpoch.AddSeconds(1),
    };
}
