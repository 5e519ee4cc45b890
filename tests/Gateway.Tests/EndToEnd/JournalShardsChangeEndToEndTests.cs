using System.Net;
using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A gateway in the middle of a change of the journal's shard count (step 2: writing under 3, reading
/// the partitions of 2 as well) finds what processes on 2 left in a key's old partition: a settled
/// row not yet copied and an abandoned intent. The sweep finds them, the key's activation counts the
/// row once and copies it, the intent is settled where new rows go and retired where it was, and the
/// old partition ends up empty of the key's rows. An intent of a request still under way is retired
/// from the old partition as soon as its request settles.
/// </summary>
public sealed class JournalShardsChangeEndToEndTests(JournalShardsChangeEndToEndTests.Fixture fixture) : IClassFixture<JournalShardsChangeEndToEndTests.Fixture>
{
    public sealed class Fixture : GatewayFixture
    {
        public override StorageOptions Storage
        {
            get
            {
                var options = TestStorage.Options(Prefix);
                (options.JournalShards, options.JournalShardsAlsoRead) = (3, 2);
                return options;
            }
        }

        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
        {
            ["Gateway:Storage:JournalShards"] = "3",
            ["Gateway:Storage:JournalShardsAlsoRead"] = "2",
            ["Gateway:Keys:SweepInterval"] = "00:00:01",
        };
    }

    [Fact]
    public async Task Rows_left_under_the_old_count_are_swept_counted_once_copied_and_retired_where_they_are()
    {
        CreatedKey key;
        do
        {
            key = await fixture.Admin.CreateKeyAsync("shards-user", 5m);
        }
        while (JournalShards.PartitionFor(key.KeyId, 2) == JournalShards.PartitionFor(key.KeyId, 3));

        var (oldShard, newShard) = (JournalShards.PartitionFor(key.KeyId, 2), JournalShards.PartitionFor(key.KeyId, 3));
        var journal = new GatewayTables(Microsoft.Extensions.Options.Options.Create(fixture.Storage)).AccountFor(key.KeyId).Journal;
        var copier = fixture.Gateway.Services.GetRequiredService<LedgerCopier>();

        using (var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 8, "before the change"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The request's rows went under the count written (3): copied, then retired from there.
        await Poll.UntilAsync(async () =>
        {
            await copier.FlushAsync();
            return (await fixture.Ledger.CopiedRowsAsync(key.KeyId)).Count == 1 && await RowsInAsync(journal, newShard, key.KeyId) == 0;
        }, TimeSpan.FromSeconds(30), "the first row copied");
        var first = Assert.Single(await fixture.Ledger.RowsAsync(key.KeyId));
        await fixture.Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // What a process still on 2 shards left in the key's partition under 2, an hour ago: a settled
        // row it never copied, and the intent of a request whose front-end went away.
        var old = DateTimeOffset.UtcNow.AddHours(-1);
        var lost = (first with { RequestId = "lost-" + Guid.NewGuid().ToString("N"), CostMicros = 12_345, StartedAt = old, RecordedAt = old, JournalPartition = null })
            .Seal(TestStorage.ChainKey, 2, first.Hash);
        await journal.UpsertEntityAsync(lost.ToJournalEntity(oldShard), TableUpdateMode.Replace);
        var abandoned = "abandoned-" + Guid.NewGuid().ToString("N");
        await journal.AddEntityAsync(new IntentEntry
        {
            Partition = oldShard, RequestId = abandoned, KeyId = key.KeyId, UserId = "shards-user", Model = first.Model, Provider = first.Provider,
            Endpoint = first.Endpoint, FrontendInstance = "gone", Region = "r", StartedAt = old, ReservedMicros = 700,
        }.ToEntity(JournalShards.KeyedRowKey(key.KeyId, abandoned)));

        // No request for the key: the sweep reads the partitions of both counts and wakes it.
        await Poll.UntilAsync(async () =>
        {
            await copier.FlushAsync();
            return (await fixture.Ledger.CopiedRowsAsync(key.KeyId)).Count == 3 && await RowsInAsync(journal, oldShard, key.KeyId) == 0 && await RowsInAsync(journal, newShard, key.KeyId) == 0;
        }, TimeSpan.FromSeconds(30), "the lost row and the abandoned request in the ledger, the old partition empty");

        var rows = await fixture.Ledger.RowsAsync(key.KeyId);
        Assert.Equal([first.RequestId, lost.RequestId, abandoned], rows.Select(r => r.RequestId));
        Assert.Equal(("unknown", 700L), (rows[2].Outcome, rows[2].CostMicros));
        Assert.Equal(first.CostMicros + 12_345 + 700, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("spentMicros").GetInt64());
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(key.KeyId, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task An_intent_left_under_the_old_count_is_retired_there_as_soon_as_its_request_settles()
    {
        CreatedKey key;
        do
        {
            key = await fixture.Admin.CreateKeyAsync("shards-inflight", 5m);
        }
        while (JournalShards.PartitionFor(key.KeyId, 2) == JournalShards.PartitionFor(key.KeyId, 3));

        var oldShard = JournalShards.PartitionFor(key.KeyId, 2);
        var journal = new GatewayTables(Microsoft.Extensions.Options.Options.Create(fixture.Storage)).AccountFor(key.KeyId).Journal;

        // A request under way when the count changed: its intent, written under 2 shards a moment ago
        // (far from abandoned, so no sweep will touch it for minutes).
        var requestId = "inflight-" + Guid.NewGuid().ToString("N");
        await journal.AddEntityAsync(new IntentEntry
        {
            Partition = oldShard, RequestId = requestId, KeyId = key.KeyId, UserId = "shards-inflight", Model = "gpt-4o-mini", Provider = "openai",
            Endpoint = "/v1/chat/completions", FrontendInstance = "fe-before", Region = "r", StartedAt = DateTimeOffset.UtcNow, ReservedMicros = 700,
            EstimatedInputTokens = 10, OutputTokenCeiling = 10, PriceInputMicrosPerMTok = 1_000_000, PriceOutputMicrosPerMTok = 2_000_000,
        }.ToEntity(JournalShards.KeyedRowKey(key.KeyId, requestId)));

        // The key wakes (afresh) for a request of its own and holds the one under way.
        var grains = fixture.Gateway.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        using (var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 8, "while the count changes"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var grain = grains.GetGrain<IApiKeyGrain>(key.KeyId);
        await Poll.UntilAsync(async () => (await grain.GetSnapshot())!.ReservedMicros == 700, TimeSpan.FromSeconds(20), "the request under way held");

        // Its front-end reports how it ended: 10 in × $1/M + 10 out × $2/M = 30 µ$. The row goes where
        // rows go now, and the intent under 2 is retired at once, not by a sweep minutes later.
        var settled = await grain.Settle(new SettleRequest(requestId, new UsageReport(10, 10, 0, true), RequestOutcome.Completed, 200, 5, null));
        Assert.Equal((30L, false), (settled.CostMicros, settled.AlreadySettled));
        await Poll.UntilAsync(async () => await RowsInAsync(journal, oldShard, key.KeyId) == 0, TimeSpan.FromSeconds(10), "the intent under the old count retired");
        Assert.Contains(requestId, (await fixture.Ledger.RowsAsync(key.KeyId)).Select(r => r.RequestId));
        Assert.Equal(0, (await grain.GetSnapshot())!.ReservedMicros);
    }

    private static async Task<int> RowsInAsync(TableClient journal, string partition, string keyId)
    {
        var count = 0;
        await foreach (var _ in journal.QueryAsync<TableEntity>($"PartitionKey eq '{partition}' and KeyId eq '{keyId}'", select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}
