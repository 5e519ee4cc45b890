using Gateway.Core.Keys;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Grains;

/// <summary>
/// A front-end that stops waiting on Begin refuses the request with 503 and withdraws it: whether the
/// key's grain accepted it already, has yet to see it, or is asked again later, the request is
/// recorded once as refused and never charged or held.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WithdrawTests(ClusterFixture fixture)
{
    private static readonly ModelPrice Price = new(1_000_000, 2_000_000, 500_000);
    private const string Secret = "the-secret";

    private async Task<(IApiKeyGrain Grain, string KeyId)> NewKeyAsync()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand("user-" + keyId, null, 1_000_000, [], ApiKeyFormat.Hash(Secret), "test"));
        return (grain, keyId);
    }

    private static BeginRequest Begin() => new(
        new RequestContext(Guid.NewGuid().ToString("N"), "m", "openai", "/v1/chat/completions", false, "fe", "r", ClusterFixture.Time.GetUtcNow(), "10.0.0.9"),
        ApiKeyFormat.Hash(Secret), Price, 100, 100, false, 700);

    private Task<List<Gateway.Storage.Audit.AuditRecord>> RowsAsync(string keyId, int count) =>
        Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count >= count, TimeSpan.FromSeconds(20), $"{count} ledger rows");

    [Fact]
    public async Task A_begin_accepted_after_its_front_end_gave_up_is_released_and_recorded_as_refused()
    {
        var (grain, keyId) = await NewKeyAsync();
        var begin = Begin();
        Assert.True((await grain.Begin(begin)).Accepted);
        Assert.Equal(700, (await grain.GetSnapshot())!.ReservedMicros);

        await grain.Withdraw(begin.Context);

        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal((0L, 0L), (snapshot.ReservedMicros, snapshot.SpentMicros));
        var row = Assert.Single(await RowsAsync(keyId, 1));
        Assert.Equal((begin.Context.RequestId, "denied", "StorageUnavailable", 0L), (row.RequestId, row.Outcome, row.Denial, row.CostMicros));

        // Its intent was retired: past every deadline, the sweep finds nothing to charge.
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(0, await grain.SettleAbandoned());
        Assert.Equal(0, (await grain.GetSnapshot())!.SpentMicros);
        Assert.Single(await fixture.Ledger.RowsAsync(keyId));
    }

    [Fact]
    public async Task A_begin_that_arrives_after_its_withdrawal_is_refused_and_recorded_once()
    {
        var (grain, keyId) = await NewKeyAsync();
        var begin = Begin();

        await grain.Withdraw(begin.Context);
        var late = await grain.Begin(begin);

        Assert.False(late.Accepted);
        Assert.Equal(DenialReason.StorageUnavailable, late.Denial);
        Assert.Equal(0, (await grain.GetSnapshot())!.ReservedMicros);
        var row = Assert.Single(await RowsAsync(keyId, 1));
        Assert.Equal((begin.Context.RequestId, "denied", 0L), (row.RequestId, row.Outcome, row.CostMicros));
    }

    [Fact]
    public async Task A_repeated_withdrawal_in_this_or_a_later_activation_writes_no_second_row()
    {
        var (grain, keyId) = await NewKeyAsync();
        var begin = Begin();
        Assert.True((await grain.Begin(begin)).Accepted);

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => grain.Withdraw(begin.Context)));
        await RowsAsync(keyId, 1);
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await grain.Withdraw(begin.Context);

        var rows = await fixture.Ledger.RowsAsync(keyId);
        var row = Assert.Single(rows);
        Assert.Equal("denied", row.Outcome);
        Assert.Equal((0L, 0L), ((await grain.GetSnapshot())!.ReservedMicros, (await grain.GetSnapshot())!.SpentMicros));
        var chain = await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None);
        Assert.True(chain.Ok, chain.Break?.Detail);
    }

    [Fact]
    public async Task An_intent_records_the_chain_head_and_the_sweep_looks_for_its_row_only_after_it()
    {
        // A key with two rows on its chain, then a request that is abandoned.
        var (grain, keyId) = await NewKeyAsync();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var done = Begin();
            Assert.True((await grain.Begin(done)).Accepted);
            await grain.Settle(new SettleRequest(done.Context.RequestId, new UsageReport(10, 10, 0, true), RequestOutcome.Completed, 200, 5, null));
        }

        var begin = Begin();
        Assert.True((await grain.Begin(begin)).Accepted);
        var intent = Assert.Single(await fixture.Ledger.IntentsAsync(keyId));
        Assert.Equal((begin.Context.RequestId, 2L), (intent.RequestId, intent.ChainSequence));

        // A marker naming the request at a sequence before the intent's: a lookup that read the whole
        // partition would take it for the request's row and record nothing. The sweep reads past it.
        await using (await fixture.Ledger.PlantAsync(keyId, 0, begin.Context.RequestId))
        {
            ClusterFixture.Time.Advance(TimeSpan.FromMinutes(15));
            Assert.Equal(1, await grain.SettleAbandoned());
            await Poll.UntilAsync(() => grain.GetSnapshot(), s => s!.ReservedMicros == 0 && s.InFlight == 0, TimeSpan.FromSeconds(20), "the hold released");
        }

        var rows = await RowsAsync(keyId, 3);
        Assert.Equal((begin.Context.RequestId, "unknown", 700L, 3L), (rows[^1].RequestId, rows[^1].Outcome, rows[^1].CostMicros, rows[^1].Sequence));
    }

    [Fact]
    public async Task A_withdrawal_of_a_request_begun_after_the_activation_looks_for_its_row_only_in_this_activation_s_rows()
    {
        var (grain, keyId) = await NewKeyAsync();
        await grain.GetSnapshot();

        // Begun well after the activation (past the clock allowance), withdrawn before its Begin arrives.
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(2));
        var begin = Begin();
        await using (await fixture.Ledger.PlantAsync(keyId, 0, begin.Context.RequestId))
        {
            await grain.Withdraw(begin.Context);
            Assert.False((await grain.Begin(begin)).Accepted);
            await Poll.UntilAsync(() => fixture.Ledger.Ledger.ContainsRequestAsync(keyId, begin.Context.RequestId, afterSequence: 0, CancellationToken.None),
                found => found, TimeSpan.FromSeconds(20), "the withdrawal's own row");
        }

        var row = Assert.Single(await RowsAsync(keyId, 1));
        Assert.Equal((begin.Context.RequestId, "denied", "StorageUnavailable"), (row.RequestId, row.Outcome, row.Denial));
    }

    [Fact]
    public async Task A_withdrawal_racing_the_sweep_that_abandons_the_same_request_leaves_one_row()
    {
        // Requests past their lease, each withdrawn by its front-end at the moment the sweep reads the
        // ledger to abandon it: a few milliseconds apart, so the withdrawal lands inside the sweep's
        // read for some of them. Whichever wins, each request is recorded once.
        var keys = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => NewKeyAsync()));
        var begins = keys.Select(_ => Begin()).ToList();
        var accepted = await Task.WhenAll(keys.Zip(begins).Select(p => p.First.Grain.Begin(p.Second)));
        Assert.All(accepted, a => Assert.True(a.Accepted));
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(15));

        await Task.WhenAll(keys.Zip(begins).Select(async (p, i) =>
        {
            var sweep = p.First.Grain.SettleAbandoned();
            await Task.Delay(i % 12);
            await Task.WhenAll(sweep, p.First.Grain.Withdraw(p.Second.Context));
        }));

        foreach (var (grain, keyId) in keys)
        {
            // Every row either side wrote is durable once nothing is held or in flight.
            var snapshot = await Poll.UntilAsync(() => grain.GetSnapshot(), s => s!.ReservedMicros == 0 && s.InFlight == 0, TimeSpan.FromSeconds(20), "the holds released");
            var rows = await RowsAsync(keyId, 1);
            Assert.True(rows.Count == 1, $"{keyId}: {string.Join(", ", rows.Select(r => $"{r.Outcome} {r.CostMicros}"))}");
            Assert.Equal(snapshot!.SpentMicros, rows[0].CostMicros);
        }
    }
}
