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
        await fixture.Tables.AccountFor(keyId).Journal.AddEntityAsync(new IntentEntry
        {
            Partition = shard, RequestId = inFlight.Context.RequestId, KeyId = keyId, UserId = userId, Model = "m", Provider = "openai",
            Endpoint = "/v1/chat/completions", FrontendInstance = "fe", Region = "r", StartedAt = inFlight.Context.StartedAt, ReservedMicros = 700,
            EstimatedInputTokens = 100, OutputTokenCeiling = 100, PriceInputMicrosPerMTok = 1_000_000, PriceOutputMicrosPerMTok = 2_000_000,
        }.ToEntity());

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
