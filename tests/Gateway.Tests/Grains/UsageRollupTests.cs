using Gateway.Core.Keys;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Grains;

/// <summary>
/// The per-hour usage rollups the ledger copier keeps equal the key's ledger rows to the micro-dollar,
/// by model, with refusals counted apart; applying the same rows again (a copy retried) changes nothing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UsageRollupTests(ClusterFixture fixture)
{
    private const string Secret = "the-secret";

    [Fact]
    public async Task Rollups_equal_the_ledger_by_model_and_a_repeated_copy_counts_nothing_twice()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand("user-" + keyId, null, 10_000, [], ApiKeyFormat.Hash(Secret), "test"));

        // 5 on model a at 100 in × $1/M + 50 out × $2/M = 200 µ$; 3 on model b at 10 in × $3/M + 7 out × $9/M = 30 + 63 = 93 µ$;
        // then one asking to reserve more than the $0.01 cap: refused, a denied row at 0.
        await SettleAsync(grain, "model-a", new ModelPrice(1_000_000, 2_000_000, 0), 100, 50, 5);
        await SettleAsync(grain, "model-b", new ModelPrice(3_000_000, 9_000_000, 0), 10, 7, 3);
        Assert.Equal(DenialReason.OverBudget, (await grain.Begin(Begin("model-a", new ModelPrice(1_000_000, 2_000_000, 0), 20_000))).Denial);

        await fixture.Ledger.CopiedAsync(keyId, 9);
        var ledger = await fixture.Ledger.RowsAsync(keyId);
        var rollups = new UsageRollups(fixture.Tables);
        var byModel = await Poll.UntilAsync(() => ReadAsync(rollups, keyId), r => r.Sum(x => x.Requests + x.Denied) == 9, TimeSpan.FromSeconds(20), "the rollups");

        Assert.Equal(1_279, ledger.Sum(r => r.CostMicros));
        Assert.Equal(ledger.Sum(r => r.CostMicros), byModel.Sum(r => r.CostMicros));
        var a = byModel.Where(r => r.Model == "model-a").ToList();
        var b = byModel.Where(r => r.Model == "model-b").ToList();
        Assert.Equal((5L, 1L, 500L, 250L, 1_000L), (a.Sum(r => r.Requests), a.Sum(r => r.Denied), a.Sum(r => r.InputTokens), a.Sum(r => r.OutputTokens), a.Sum(r => r.CostMicros)));
        Assert.Equal((3L, 0L, 30L, 21L, 279L), (b.Sum(r => r.Requests), b.Sum(r => r.Denied), b.Sum(r => r.InputTokens), b.Sum(r => r.OutputTokens), b.Sum(r => r.CostMicros)));

        // A copy that is retried applies the same rows again: counted once.
        await rollups.ApplyAsync(ledger, CancellationToken.None);
        Assert.Equal(1_279, (await ReadAsync(rollups, keyId)).Sum(r => r.CostMicros));
    }

    [Fact]
    public async Task Two_copiers_of_one_key_each_remembering_its_last_write_still_count_every_row_once()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand("user-" + keyId, null, 10_000, [], ApiKeyFormat.Hash(Secret), "test"));
        await SettleAsync(grain, "model-a", new ModelPrice(1_000_000, 2_000_000, 0), 100, 50, 6);
        await fixture.Ledger.CopiedAsync(keyId, 6);

        // The same rows under a key no copier of the cluster touches, applied by two processes in
        // turn (a silo handing a key over and back): each one's remembered version of the rollup row
        // goes stale when the other writes, and must be read again rather than overwritten.
        var other = ApiKeyFormat.NewKeyId();
        var rows = (await fixture.Ledger.RowsAsync(keyId)).Select(r => r with { KeyId = other }).ToList();
        var first = new UsageRollups(fixture.Tables);
        var second = new UsageRollups(fixture.Tables);
        await first.ApplyAsync(rows[..2], CancellationToken.None);
        await second.ApplyAsync(rows[..4], CancellationToken.None);
        await first.ApplyAsync(rows[..5], CancellationToken.None);
        await second.ApplyAsync(rows, CancellationToken.None);
        await first.ApplyAsync(rows, CancellationToken.None);

        // 6 × (100 in × $1/M + 50 out × $2/M) = 6 × 200 µ$.
        var rollup = Assert.Single(await ReadAsync(first, other));
        Assert.Equal((6L, 1_200L, rows[^1].Sequence), (rollup.Requests, rollup.CostMicros, rollup.LastSequence));
    }

    [Fact]
    public async Task Cache_traffic_and_reasoning_are_priced_from_the_intent_and_rolled_up_by_kind()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand("user-" + keyId, null, 10_000, [], ApiKeyFormat.Hash(Secret), "test"));

        // $1 in, $2 out, $0.10 cache read, $1.25 5-minute write, $2 1-hour write: 1, 2, 0.1, 1.25 and 2 micro-dollars a token.
        var price = new ModelPrice(1_000_000, 2_000_000, 100_000, 1_250_000, 2_000_000);

        // 1,000 prompt tokens: 400 read, 200 written for 5 minutes, 100 for 1 hour, 300 uncached; 50 output, 10 of them reasoning.
        // 300 x 1 + 400 x 0.1 + 200 x 1.25 + 100 x 2 + 50 x 2 = 300 + 40 + 250 + 200 + 100 = 890 micro-dollars, twice.
        var usage = new UsageReport(1_000, 50, 400, true, CacheWrite5mTokens: 200, CacheWrite1hTokens: 100, ReasoningTokens: 10);
        for (var i = 0; i < 2; i++)
        {
            // Reserved at the worst case: 1,000 x 2 + 50 x 2 = 2,100.
            var begin = Begin("model-c", price, 2_100);
            Assert.True((await grain.Begin(begin)).Accepted);
            Assert.Equal(890, (await grain.Settle(new SettleRequest(begin.Context.RequestId, usage, RequestOutcome.Completed, 200, 5, null))).CostMicros);
        }

        await fixture.Ledger.CopiedAsync(keyId, 2);
        var row = (await fixture.Ledger.RowsAsync(keyId))[0];
        Assert.Equal((400L, 200L, 100L, 10L, 1_250_000L, 2_000_000L, 890L),
            (row.CachedInputTokens, row.CacheWrite5mTokens, row.CacheWrite1hTokens, row.ReasoningTokens, row.PriceCacheWrite5mMicrosPerMTok, row.PriceCacheWrite1hMicrosPerMTok, row.CostMicros));

        var rollup = Assert.Single(await Poll.UntilAsync(() => ReadAsync(new UsageRollups(fixture.Tables), keyId), r => r.Sum(x => x.Requests) == 2, TimeSpan.FromSeconds(20), "the rollup"));
        Assert.Equal((2L, 2_000L, 100L, 800L, 400L, 200L, 20L, 1_780L),
            (rollup.Requests, rollup.InputTokens, rollup.OutputTokens, rollup.CachedInputTokens, rollup.CacheWrite5mTokens, rollup.CacheWrite1hTokens, rollup.ReasoningTokens, rollup.CostMicros));
    }

    private static async Task SettleAsync(IApiKeyGrain grain, string model, ModelPrice price, long input, long output, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var begin = Begin(model, price, 500);
            var accepted = await grain.Begin(begin);
            Assert.True(accepted.Accepted);
            await grain.Settle(new SettleRequest(begin.Context.RequestId, new UsageReport(input, output, 0, true), RequestOutcome.Completed, 200, 5, null));
        }
    }

    private static BeginRequest Begin(string model, ModelPrice price, long reserve) => new(
        new RequestContext(Guid.NewGuid().ToString("N"), model, "openai", "/v1/chat/completions", false, "fe", "r", ClusterFixture.Time.GetUtcNow(), "10.0.0.7"),
        ApiKeyFormat.Hash(Secret), price, 100, 100, false, reserve);

    private static async Task<List<UsageRollup>> ReadAsync(UsageRollups rollups, string keyId)
    {
        var rows = new List<UsageRollup>();
        await foreach (var row in rollups.ReadKeyAsync(keyId))
        {
            rows.Add(row);
        }

        return rows;
    }
}
