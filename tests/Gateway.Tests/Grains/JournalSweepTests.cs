using Azure.Data.Tables;
using Gateway.Core.Ids;
using Gateway.Core.Keys;
using Gateway.Grains.Journal;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Grains;

/// <summary>
/// The journal sweep, for keys whose grain is not active (their silo died): each shard is swept by one
/// grain for the whole cluster, whichever silos call it, and a key that fails does not stop the
/// sweep of the keys after it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JournalSweepTests(ClusterFixture fixture)
{
    private const string Secret = "the-secret";

    [Fact]
    public async Task A_key_that_cannot_be_swept_does_not_hold_up_the_keys_after_it_in_its_shard()
    {
        // Two keys of one shard, the broken one first in the order the sweep goes in.
        var (broken, healthy) = await TwoKeysOfOneShardAsync();
        var shard = TestStorage.Shards.PartitionFor(broken);
        var journal = fixture.Tables.AccountFor(broken).Journal;

        // The broken key has a journal row its activation cannot read (its detail is not JSON), so
        // every call to its grain fails; the healthy one has the intent of a request whose silo died.
        var poison = new TableEntity(shard, JournalShards.KeyedRowKey(broken, RequestIds.New(ClusterFixture.Time.GetUtcNow())))
        {
            ["KeyId"] = broken, ["UserId"] = "user-" + broken, ["StartedAt"] = ClusterFixture.Time.GetUtcNow(), ["D"] = "{not json",
        };
        await journal.AddEntityAsync(poison);
        var orphan = RequestIds.New(ClusterFixture.Time.GetUtcNow());
        await journal.AddEntityAsync(PlantedIntents.Of(shard, healthy, "user-" + healthy, orphan, ClusterFixture.Time.GetUtcNow(), JournalShards.KeyedRowKey(healthy, orphan)).ToEntity());
        try
        {
            // Past the request's deadline: the sweep settles it as unknown, at its reservation.
            ClusterFixture.Time.Advance(TimeSpan.FromMinutes(12));
            await fixture.Client.GetGrain<IJournalShardGrain>(JournalShardGrain.KeyOf(0, shard)).Sweep();
            var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(healthy), r => r.Count == 1, TimeSpan.FromSeconds(20), "the healthy key's abandoned request recorded");
            Assert.Equal((orphan, "unknown", 700L), (rows[0].RequestId, rows[0].Outcome, rows[0].CostMicros));
            Assert.Equal(700, (await fixture.Client.GetGrain<IApiKeyGrain>(healthy).GetSnapshot())!.SpentMicros);
            await Assert.ThrowsAnyAsync<Exception>(() => fixture.Client.GetGrain<IApiKeyGrain>(broken).SettleAbandoned());
        }
        finally
        {
            await journal.DeleteEntityAsync(shard, poison.RowKey);
        }
    }

    [Fact]
    public async Task A_shard_is_swept_once_an_interval_however_many_silos_call()
    {
        var (first, second) = await TwoKeysOfOneShardAsync();
        var shard = TestStorage.Shards.PartitionFor(first);
        var journal = fixture.Tables.AccountFor(first).Journal;
        var sweeper = fixture.Client.GetGrain<IJournalShardGrain>(JournalShardGrain.KeyOf(0, shard));

        // Swept now (by this call, or a silo's timer that came first): the first key's abandoned request is settled.
        var swept = RequestIds.New(ClusterFixture.Time.GetUtcNow());
        await journal.AddEntityAsync(PlantedIntents.Of(shard, first, "user-" + first, swept, ClusterFixture.Time.GetUtcNow(), JournalShards.KeyedRowKey(first, swept)).ToEntity());
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(12));
        await sweeper.Sweep();
        await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(first), r => r.Count == 1, TimeSpan.FromSeconds(20), "the first key's request recorded");

        // Another abandoned request, already past its deadline: the silos' calls within the same half
        // interval find the shard swept and leave it.
        var next = RequestIds.New(ClusterFixture.Time.GetUtcNow() - TimeSpan.FromMinutes(12));
        await journal.AddEntityAsync(PlantedIntents.Of(shard, second, "user-" + second, next, ClusterFixture.Time.GetUtcNow() - TimeSpan.FromMinutes(12), JournalShards.KeyedRowKey(second, next)).ToEntity());
        Assert.Equal(0, await sweeper.Sweep());
        Assert.Equal(0, await sweeper.Sweep());
        Assert.Empty(await fixture.Ledger.RowsAsync(second));
        Assert.Single(await fixture.Ledger.IntentsAsync(second));

        // The next interval's first call sweeps it.
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.Sweep();
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(second), r => r.Count == 1, TimeSpan.FromSeconds(20), "the second key's request recorded");
        Assert.Equal((next, 700L), (rows[0].RequestId, rows[0].CostMicros));
    }

    /// <summary>Two new keys whose rows go to the same journal shard, in the order the sweep calls them, with no grain active.</summary>
    private async Task<(string First, string Second)> TwoKeysOfOneShardAsync()
    {
        var first = ApiKeyFormat.NewKeyId();
        string second;
        do
        {
            second = ApiKeyFormat.NewKeyId();
        }
        while (TestStorage.Shards.PartitionFor(second) != TestStorage.Shards.PartitionFor(first));

        if (string.CompareOrdinal(first, second) > 0)
        {
            (first, second) = (second, first);
        }

        foreach (var keyId in new[] { first, second })
        {
            await fixture.Client.GetGrain<IApiKeyGrain>(keyId).Create(new CreateKeyCommand("user-" + keyId, null, 1_000_000, [], ApiKeyFormat.Hash(Secret), "test"));
        }

        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        return (first, second);
    }
}
