using Azure.Data.Tables;
using Gateway.Core.Keys;
using Gateway.Grains.Keys;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Grains;

/// <summary>
/// A busy key's commit written straight into its ledger partition (<c>Gateway:Keys:LedgerDirectFrom</c>,
/// 16 here): three entity writes a request instead of four. Its rows count once, reach the rollups,
/// and leave no intent behind; what a silo that died after such a commit leaves (rows in the ledger,
/// their intents still in the journal, their rollups not written) is finished by the key's next
/// activation and held by nobody.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LedgerDirectTests(ClusterFixture fixture)
{
    private static readonly ModelPrice Price = new(1_000_000, 2_000_000, 500_000);
    private const string Secret = "the-secret";

    [Fact]
    public async Task A_busy_keys_commit_goes_into_its_ledger_without_a_copy_and_its_intents_and_rollups_follow()
    {
        var userId = "u-" + ApiKeyFormat.NewKeyId();
        Assert.NotNull(await fixture.Client.GetGrain<IUserGrain>(userId).Create(new UserChanges(null, null, null)));
        var keyId = ApiKeyFormat.NewKeyId();
        Assert.NotNull(await fixture.Client.GetGrain<IUserGrain>(userId).CreateKey(keyId, new CreateKeyCommand(userId, null, 1_000_000_000, [], ApiKeyFormat.Hash(Secret), "test")));
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);

        // 60 requests in flight, settled at once: the first commit goes alone (to the journal), the
        // rest queue behind it and go together, with that first row, into the ledger.
        const int requests = 60;
        var begins = Enumerable.Range(0, requests).Select(_ => Begin()).ToList();
        foreach (var begin in begins)
        {
            Assert.True((await grain.Begin(begin)).Accepted);
        }

        var settled = await Task.WhenAll(begins.Select(b => grain.Settle(new SettleRequest(b.Context.RequestId, new UsageReport(100, 100, 0, true), RequestOutcome.Completed, 200, 5, null))));
        Assert.All(settled, s => Assert.Equal(300, s.CostMicros));

        // As the settlements return, their rows are in the ledger partition itself: a copy from the
        // journal waits out the copier's linger (5 s) first. Only a commit of fewer than 16 (a
        // straggler) could have gone to the journal.
        var inLedger = (await fixture.Ledger.CopiedRowsAsync(keyId)).Count;
        Assert.True(inLedger >= requests - 16, $"{inLedger} of the key's {requests} rows were in its ledger partition as their settlements returned");

        // Then every row is there, and the intents are retired.
        await fixture.Ledger.CopiedAsync(keyId, requests);
        await Poll.UntilAsync(async () => (await fixture.Ledger.IntentsAsync(keyId)).Count == 0, TimeSpan.FromSeconds(20), "the intents retired");

        var rows = await fixture.Ledger.CopiedRowsAsync(keyId);
        Assert.Equal(Enumerable.Range(1, requests).Select(i => (long)i), rows.Select(r => r.Sequence));
        Assert.Equal(begins.Select(b => b.Context.RequestId).Order(), rows.Select(r => r.RequestId).Order());
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Ok);
        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal((requests * 300L, 0L), (snapshot.SpentMicros, snapshot.ReservedMicros));
        await Poll.UntilAsync(async () => (await fixture.Client.GetGrain<IUserGrain>(userId).Get())!.Budget.SpentMicros == requests * 300L,
            TimeSpan.FromSeconds(20), "the user's spend");

        // The rollups equal the ledger.
        var rollups = await Poll.UntilAsync(() => RollupsAsync(keyId), r => r.Sum(x => x.Requests) == requests, TimeSpan.FromSeconds(20), "the rollups");
        Assert.Equal(rows.Sum(r => r.CostMicros), rollups.Sum(r => r.CostMicros));
        Assert.Equal(rows.Sum(r => r.InputTokens + r.OutputTokens), rollups.Sum(r => r.InputTokens + r.OutputTokens));
    }

    [Fact]
    public async Task Direct_commits_dead_silos_left_unfinished_are_finished_at_activation_and_held_by_no_budget()
    {
        var userId = "u-" + ApiKeyFormat.NewKeyId();
        var user = fixture.Client.GetGrain<IUserGrain>(userId);
        Assert.NotNull(await user.Create(new UserChanges(null, null, null)));
        var keyId = ApiKeyFormat.NewKeyId();
        Assert.NotNull(await user.CreateKey(keyId, new CreateKeyCommand(userId, null, 1_000_000_000, [], ApiKeyFormat.Hash(Secret), "test")));
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);

        // Three requests settled, copied, counted by the key and its user (300 µ$ each).
        var begins = Enumerable.Range(0, 3).Select(_ => Begin()).ToList();
        foreach (var begin in begins)
        {
            Assert.True((await grain.Begin(begin)).Accepted);
            await grain.Settle(new SettleRequest(begin.Context.RequestId, new UsageReport(100, 100, 0, true), RequestOutcome.Completed, 200, 5, null));
        }

        await fixture.Ledger.CopiedAsync(keyId, 3);
        await Poll.UntilAsync(async () => (await user.Get())!.Budget.SpentMicros == 900, TimeSpan.FromSeconds(20), "the user's spend");
        await Poll.UntilAsync(async () => (await RollupsAsync(keyId)).Sum(r => r.Requests) == 3, TimeSpan.FromSeconds(20), "the rollups");
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // What silos that died just after direct commits leave. Rows 2 and 3: in the ledger, counted by
        // the key's checkpoint and the user, their rollups written, but their intents (noting the head
        // at 1) not yet retired. Rows 4 and 5 (1,000 µ$ each): in the ledger past the checkpoint,
        // their intents (noting the head at 3) in the journal, their rollups not written.
        var rows = await fixture.Ledger.CopiedRowsAsync(keyId);
        var shard = TestStorage.Shards.PartitionFor(keyId);
        var row4 = Sealed(keyId, userId, Begin().Context.RequestId, 4, rows[^1].Hash);
        var row5 = Sealed(keyId, userId, Begin().Context.RequestId, 5, row4.Hash);
        await fixture.Tables.AccountFor(keyId).Ledger.AddEntityAsync(row4.ToEntity());
        await fixture.Tables.AccountFor(keyId).Ledger.AddEntityAsync(row5.ToEntity());
        foreach (var (requestId, head) in new[] { (begins[1].Context.RequestId, 1L), (begins[2].Context.RequestId, 1L), (row4.RequestId, 3L), (row5.RequestId, 3L) })
        {
            var intent = PlantedIntents.Of(shard, keyId, userId, requestId, ClusterFixture.Time.GetUtcNow(), JournalShards.KeyedRowKey(keyId, requestId)) with { ChainSequence = head };
            await fixture.Tables.AccountFor(keyId).Journal.AddEntityAsync(intent.ToEntity());
        }

        // The user's budget wakes first: it counts rows 4 and 5, and holds none of the four requests.
        var budget = (await user.Get())!.Budget;
        Assert.Equal((2_900L, 0L), (budget.SpentMicros, budget.ReservedMicros));

        // The key's activation counts rows 4 and 5 once, holds nothing, writes their rollups and retires the intents.
        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal((2_900L, 0L), (snapshot.SpentMicros, snapshot.ReservedMicros));
        await Poll.UntilAsync(async () => (await fixture.Ledger.IntentsAsync(keyId)).Count == 0, TimeSpan.FromSeconds(20), "the intents retired");
        var rollups = await Poll.UntilAsync(() => RollupsAsync(keyId), r => r.Sum(x => x.Requests) == 5, TimeSpan.FromSeconds(20), "the rollups of rows 4 and 5");
        Assert.Equal(2_900, rollups.Sum(r => r.CostMicros));
        Assert.Equal([1L, 2, 3, 4, 5], (await fixture.Ledger.CopiedRowsAsync(keyId)).Select(r => r.Sequence));
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Ok);
        Assert.Equal(2_900, (await user.Get())!.Budget.SpentMicros);
    }

    private static AuditRecord Sealed(string keyId, string userId, string requestId, long sequence, string previousHash) => new AuditRecord
    {
        KeyId = keyId, Sequence = 0, PreviousHash = "", RequestId = requestId, UserId = userId, Model = "m", Provider = "openai",
        Endpoint = "/v1/chat/completions", InputTokens = 1, OutputTokens = 1, CostMicros = 1_000, Outcome = "completed", HttpStatus = 200,
        FrontendInstance = "fe", Region = "r", StartedAt = ClusterFixture.Time.GetUtcNow(), RecordedAt = ClusterFixture.Time.GetUtcNow(),
    }.Seal(TestStorage.ChainKey, sequence, previousHash);

    [Theory]
    [InlineData(500, 0, new long[0], 500)] // nothing unfinished, no intent: after the head
    [InlineData(500, 420, new long[0], 419)] // the checkpoint's oldest unfinished row
    [InlineData(500, 0, new long[] { 480, 470 }, 470)] // the oldest head an intent noted
    [InlineData(500, 0, new long[] { 510 }, 500)] // an intent written after the checkpoint: after the head
    [InlineData(5_000, 0, new long[] { 10 }, 4_000)] // a request long in flight: no more than 1,000 rows back
    [InlineData(5_000, 30, new long[] { 10 }, 29)] // but the checkpoint's unfinished row, however far
    public void Activation_reads_the_ledger_from_the_oldest_row_an_unfinished_commit_or_an_intent_may_have_left(long head, long unfinished, long[] noted, long from) =>
        Assert.Equal(from, ChainRecovery.ReadFrom(head, unfinished, noted.Select(q => PlantedIntents.Of("j000", "k", "u", Guid.NewGuid().ToString("N"), default) with { ChainSequence = q })));

    private static BeginRequest Begin() => new(
        new RequestContext(Guid.NewGuid().ToString("N"), "m", "openai", "/v1/chat/completions", false, "fe", "r", ClusterFixture.Time.GetUtcNow(), null),
        ApiKeyFormat.Hash(Secret), Price, 100, 100, false, 700);

    private async Task<List<UsageRollup>> RollupsAsync(string keyId)
    {
        var rows = new List<UsageRollup>();
        await foreach (var rollup in new UsageRollups(fixture.Tables).ReadKeyAsync(keyId))
        {
            rows.Add(rollup);
        }

        return rows;
    }
}
