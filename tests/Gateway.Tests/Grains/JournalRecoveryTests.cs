using Azure.Data.Tables;
using Gateway.Core.Keys;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Grains;

/// <summary>
/// A key's rows in every state a dead silo can leave them in: an intent only, a settled row in the
/// journal not yet copied into the ledger, a row copied but not retired from the journal, and a row
/// off the chain (a fork). The key's next activation counts each exactly once, copies what is
/// missing, empties the journal of settled rows, and keeps the chain intact.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JournalRecoveryTests(ClusterFixture fixture)
{
    private static readonly ModelPrice Price = new(1_000_000, 2_000_000, 500_000);
    private const string Secret = "the-secret";

    [Fact]
    public async Task Activation_counts_each_row_a_dead_silo_left_once_copies_the_rest_and_reseals_a_fork()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var userId = "user-" + keyId;
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand(userId, null, 1_000_000, [], ApiKeyFormat.Hash(Secret), "test"));

        // Two requests settled the ordinary way: 100 in × $1/M + 100 out × $2/M = 300 µ$ each.
        for (var i = 0; i < 2; i++)
        {
            var begin = Begin();
            var accepted = await grain.Begin(begin);
            await grain.Settle(new SettleRequest(begin.Context.RequestId, new UsageReport(100, 100, 0, true), RequestOutcome.Completed, 200, 5, null));
        }

        await fixture.Ledger.CopiedAsync(keyId, 2);
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // What a silo that died mid-load leaves: row 3 copied but still in the journal, row 4 only in
        // the journal, a fork row also claiming sequence 4, and an intent of a request in flight.
        var head = (await fixture.Ledger.RowsAsync(keyId)).Last();
        var row3 = Sealed(keyId, userId, "req-copied", cost: 1_000, 3, head.Hash);
        var row4 = Sealed(keyId, userId, "req-journal-only", cost: 20_000, 4, row3.Hash);
        var fork = Sealed(keyId, userId, "req-fork", cost: 500, 4, row3.Hash);
        var shard = TestStorage.Shards.PartitionFor(keyId);
        await fixture.Tables.AccountFor(keyId).Ledger.AddEntityAsync(row3.ToEntity());
        foreach (var row in new[] { row3, row4, fork })
        {
            await fixture.Tables.AccountFor(keyId).Journal.UpsertEntityAsync(row.ToJournalEntity(shard), TableUpdateMode.Replace);
        }

        var inFlight = Begin();
        await fixture.Tables.AccountFor(keyId).Journal.AddEntityAsync(PlantedIntents.Of(shard, keyId, userId, inFlight.Context.RequestId, inFlight.Context.StartedAt).ToEntity());

        // The next activation: 300 + 300 + 1,000 + 20,000 + the fork's 500, each once; the intent held.
        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal(700, snapshot.ReservedMicros);
        await Poll.UntilAsync(async () => (await grain.GetSnapshot())!.SpentMicros == 22_100, TimeSpan.FromSeconds(20), "every row counted once");

        await fixture.Ledger.CopiedAsync(keyId, 5);
        var rows = await fixture.Ledger.RowsAsync(keyId);
        Assert.Equal([1L, 2, 3, 4, 5], rows.Select(r => r.Sequence));
        // Of the two rows that both claimed sequence 4, one continues the chain and the other is sealed again as 5.
        Assert.Equal("req-copied", rows[2].RequestId);
        Assert.Equal(["req-fork", "req-journal-only"], rows.Skip(3).Select(r => r.RequestId).Order());
        Assert.Equal(22_100, rows.Sum(r => r.CostMicros));
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, new ChainHead(5, rows[^1].Hash, 0), CancellationToken.None)).Ok);

        // The in-flight request settles through the new activation, as its front-end would.
        var settled = await grain.Settle(new SettleRequest(inFlight.Context.RequestId,
            new UsageReport(100, 100, 0, true), RequestOutcome.Completed, 200, 5, null));
        Assert.Equal((300L, 22_400L, false), (settled.CostMicros, settled.SpentMicros, settled.AlreadySettled));
        await fixture.Ledger.CopiedAsync(keyId, 6);
        Assert.Equal(0, (await grain.GetSnapshot())!.ReservedMicros);

        // The intent was planted in the older row-key form (the request id alone): its settlement took
        // that row key and replaced it in place, so no open intent of the key is left behind.
        Assert.Empty(await fixture.Ledger.IntentsAsync(keyId));
    }

    [Fact]
    public async Task A_fork_row_left_behind_after_it_was_sealed_again_and_copied_is_removed_not_sealed_a_second_time()
    {
        // A request settled the ordinary way (row 1), then another that stands for a fork row sealed
        // again (row 2); both copied, out of the journal, and the key checkpointed past them.
        var (grain, keyId, userId, begins) = await KeyWithTwoRowsCopiedAsync();
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // The fork row the second request was sealed from, left in the journal when its removal was
        // lost (as under another shard count's partition): at sequence 1, off the chain, under the
        // older row-key form so nothing written since replaced it.
        var rows = await fixture.Ledger.RowsAsync(keyId);
        var leftover = Sealed(keyId, userId, begins[1].Context.RequestId, cost: 300, 1, "");
        var shard = TestStorage.Shards.PartitionFor(keyId);
        var entity = leftover.ToJournalEntity(shard);
        entity.RowKey = begins[1].Context.RequestId;
        await fixture.Tables.AccountFor(keyId).Journal.AddEntityAsync(entity);

        // The next activation: nothing sealed again, nothing counted twice, and the leftover removed.
        Assert.Equal(600, (await grain.GetSnapshot())!.SpentMicros);
        await Poll.UntilAsync(async () => await fixture.Ledger.JournalRowCountAsync(keyId) == 0, TimeSpan.FromSeconds(20), "the leftover removed");
        Assert.Equal(rows.Select(r => (r.Sequence, r.RequestId)), (await fixture.Ledger.RowsAsync(keyId)).Select(r => (r.Sequence, r.RequestId)));
        Assert.Equal(600, (await grain.GetSnapshot())!.SpentMicros);
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task The_sweep_clears_rows_left_behind_by_lost_retirements_while_the_key_stays_active()
    {
        var (grain, keyId, userId, begins) = await KeyWithTwoRowsCopiedAsync();
        var rows = await fixture.Ledger.RowsAsync(keyId);

        // Left in the journal of the key while its grain stays active: row 1, copied but its retirement
        // lost, and a fork row of the second request, sealed again as row 2 but its removal lost.
        var shard = TestStorage.Shards.PartitionFor(keyId);
        var journal = fixture.Tables.AccountFor(keyId).Journal;
        await journal.AddEntityAsync(rows[0].ToJournalEntity(shard));
        var leftover = Sealed(keyId, userId, begins[1].Context.RequestId, cost: 300, 1, "").ToJournalEntity(shard);
        leftover.RowKey = begins[1].Context.RequestId;
        await journal.AddEntityAsync(leftover);

        // Not while a copy could still be under way; once they are older than that, the sweep's call clears both.
        Assert.Equal(0, await grain.SettleAbandoned());
        Assert.Equal(2, await fixture.Ledger.JournalRowCountAsync(keyId));
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await grain.SettleAbandoned());
        await Poll.UntilAsync(async () => await fixture.Ledger.JournalRowCountAsync(keyId) == 0, TimeSpan.FromSeconds(20), "both rows retired");

        Assert.Equal(rows.Select(r => (r.Sequence, r.Hash)), (await fixture.Ledger.RowsAsync(keyId)).Select(r => (r.Sequence, r.Hash)));
        Assert.Equal(600, (await grain.GetSnapshot())!.SpentMicros);

        // Every silo's sweep calls the key: within a sweep interval of the last look, a row left behind
        // again is not looked at. A request settled meanwhile is copied and retired on its own (had the
        // row been handed to the copier, it would have gone in the same copy and the same retirement).
        await journal.AddEntityAsync(rows[1].ToJournalEntity(shard));
        Assert.Equal(0, await grain.SettleAbandoned());
        var next = Begin();
        Assert.True((await grain.Begin(next)).Accepted);
        await grain.Settle(new SettleRequest(next.Context.RequestId, new UsageReport(100, 100, 0, true), RequestOutcome.Completed, 200, 5, null));
        await Poll.UntilAsync(async () => (await fixture.Ledger.CopiedRowsAsync(keyId)).Count == 3 && await fixture.Ledger.JournalRowCountAsync(keyId) == 1,
            TimeSpan.FromSeconds(20), "the new request's row copied and retired, the row left behind still there");

        // The next interval's call clears it.
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await grain.SettleAbandoned());
        await Poll.UntilAsync(async () => await fixture.Ledger.JournalRowCountAsync(keyId) == 0, TimeSpan.FromSeconds(20), "the row retired at the next interval");
        Assert.Equal(900, (await grain.GetSnapshot())!.SpentMicros);
    }

    [Fact]
    public async Task An_expired_intent_that_does_not_name_the_chain_s_head_is_looked_for_from_the_key_s_last_mark_before_its_request_began()
    {
        // Collected with two rows: its checkpoint marks the chain's head (2) then.
        var (grain, keyId, userId, _) = await KeyWithTwoRowsCopiedAsync();
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // Past the clocks' allowance after that mark: the intent of a request in flight when its silo
        // died, written by a version that did not note the chain's head in it, and a marker naming its
        // request at the start of the key's ledger partition, before the mark's head.
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(2));
        var orphan = Begin();
        var shard = TestStorage.Shards.PartitionFor(keyId);
        await fixture.Tables.AccountFor(keyId).Journal.AddEntityAsync(PlantedIntents.Of(shard, keyId, userId, orphan.Context.RequestId, orphan.Context.StartedAt).ToEntity());
        await using (await fixture.Ledger.PlantAsync(keyId, 0, orphan.Context.RequestId))
        {
            Assert.Equal(700, (await grain.GetSnapshot())!.ReservedMicros);

            // Past its deadline, the sweep looks for its row after the mark's head: the marker is not read
            // (in the whole partition it would be taken for the request's row, and the request would go
            // unrecorded and uncharged). It is settled as unknown, at its reservation.
            ClusterFixture.Time.Advance(TimeSpan.FromMinutes(12));
            Assert.Equal(1, await grain.SettleAbandoned());
        }

        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count == 3, TimeSpan.FromSeconds(20), "the abandoned request's row");
        Assert.Equal((3L, orphan.Context.RequestId, "unknown", 700L), (rows[^1].Sequence, rows[^1].RequestId, rows[^1].Outcome, rows[^1].CostMicros));
        Assert.Equal((1_300L, 0L), ((await grain.GetSnapshot())!.SpentMicros, (await grain.GetSnapshot())!.ReservedMicros));
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Ok);
    }

    /// <summary>A new key with two requests settled the ordinary way (300 µ$ each), copied into its ledger and out of the journal.</summary>
    private async Task<(IApiKeyGrain Grain, string KeyId, string UserId, BeginRequest[] Begins)> KeyWithTwoRowsCopiedAsync()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var userId = "user-" + keyId;
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand(userId, null, 1_000_000, [], ApiKeyFormat.Hash(Secret), "test"));
        var begins = new[] { Begin(), Begin() };
        foreach (var begin in begins)
        {
            Assert.True((await grain.Begin(begin)).Accepted);
            await grain.Settle(new SettleRequest(begin.Context.RequestId, new UsageReport(100, 100, 0, true), RequestOutcome.Completed, 200, 5, null));
        }

        await fixture.Ledger.CopiedAsync(keyId, 2);
        await Poll.UntilAsync(async () => await fixture.Ledger.JournalRowCountAsync(keyId) == 0, TimeSpan.FromSeconds(20), "the journal emptied");
        return (grain, keyId, userId, begins);
    }

    private static BeginRequest Begin() => new(
        new RequestContext(Guid.NewGuid().ToString("N"), "m", "openai", "/v1/chat/completions", false, "fe", "r", ClusterFixture.Time.GetUtcNow(), null),
        ApiKeyFormat.Hash(Secret), Price, 100, 100, false, 700);

    private static AuditRecord Sealed(string keyId, string userId, string requestId, long cost, long sequence, string previousHash) => new AuditRecord
    {
        KeyId = keyId, Sequence = 0, PreviousHash = "", RequestId = requestId, UserId = userId, Model = "m", Provider = "openai",
        Endpoint = "/v1/chat/completions", InputTokens = 1, OutputTokens = 1, CostMicros = cost, Outcome = "completed", HttpStatus = 200,
        FrontendInstance = "fe", Region = "r", StartedAt = ClusterFixture.Time.GetUtcNow(), RecordedAt = ClusterFixture.Time.GetUtcNow(),
    }.Seal(TestStorage.ChainKey, sequence, previousHash);
}
