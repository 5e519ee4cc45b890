using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Storage;

/// <summary>
/// The guard every gateway table client carries (the suite runs with <c>Fail</c>, so a scan added
/// to a hot path fails whichever test exercises it), and the journal's look-ups, which name their
/// partitions.
/// </summary>
public sealed class UnscopedQueryGuardTests : IAsyncLifetime
{
    private readonly string _prefix = TestStorage.NewPrefix();
    private GatewayTables _tables = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(_prefix);
        var options = TestStorage.Options(_prefix);
        options.UnscopedQueries = UnscopedQueries.Fail;
        options.JournalShards = 4;
        _tables = new GatewayTables(Microsoft.Extensions.Options.Options.Create(options));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_query_that_names_no_partition_is_refused_and_one_that_does_runs()
    {
        var scan = await Assert.ThrowsAsync<InvalidOperationException>(() => CountAsync(_tables.Accounts[0].Ledger, "RequestId eq 'x'"));
        Assert.Contains("names no partition", scan.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => CountAsync(_tables.MainLedger, "PartitionKey lt '~'"));

        Assert.Equal(0, await CountAsync(_tables.Accounts[0].Ledger, "PartitionKey eq 'k1' and RequestId eq 'x'"));
        // Operators' whole-table reads go through the scan client, which carries no guard.
        Assert.Equal(0, await CountAsync(_tables.Accounts[0].LedgerScan, "RequestId eq 'x'"));
    }

    [Fact]
    public async Task A_keys_intents_live_in_the_one_partition_its_id_hashes_to_and_every_look_up_names_partitions()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { JournalShards = 4 });
        await using var journal = new IntentJournal(_tables, new JournalShards(options), options, TimeProvider.System, NullLogger<IntentJournal>.Instance);
        Assert.Equal(["j000", "j001", "j002", "j003"], journal.Partitions);
        var keys = Enumerable.Range(0, 40).Select(i => $"key{i}").ToList();
        // Stable across processes (FNV-1a, not string.GetHashCode), and spread over every shard.
        Assert.Equal(journal.PartitionFor("key7"), journal.PartitionFor("key7"));
        Assert.Equal(4, keys.Select(journal.PartitionFor).Distinct().Count());

        var now = DateTimeOffset.UtcNow;
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            await journal.RecordAsync(Intent(journal.PartitionFor(key), "r" + i, key, "user" + (i % 5), i % 2 == 0 ? "team-a" : null, now.AddMinutes(-i)));
        }

        // Each look-up reads named partitions only (the guard would throw otherwise) and finds exactly its rows.
        Assert.Equal(["r7"], (await journal.FindByKeyAsync("key7", CancellationToken.None)).Select(i => i.RequestId));
        // A key's look-up reads its row-key range, not every row of its shard: another key's intents
        // share the shard and are not among its rows (a user's budget reads its keys this way).
        var sharing = keys.First(k => k != "key7" && journal.PartitionFor(k) == journal.PartitionFor("key7"));
        Assert.Equal(["key7"], (await journal.ReadKeyAsync("key7", CancellationToken.None)).Intents.Select(i => i.KeyId));
        Assert.Equal([sharing], (await journal.ReadKeyAsync(sharing, CancellationToken.None)).Intents.Select(i => i.KeyId));
        Assert.Equal(20, (await journal.FindByTeamAsync("team-a", CancellationToken.None)).Count);
        Assert.Equal(keys.Skip(30), await TestStorage.KeysTheSweepFindsAsync(journal, now.AddMinutes(-29.5)));

        await journal.RetireIntentAsync((await journal.FindByKeyAsync("key7", CancellationToken.None)).Single());
        Assert.Empty(await journal.FindByKeyAsync("key7", CancellationToken.None));
    }

    private static IntentEntry Intent(string partition, string requestId, string keyId, string userId, string? teamId, DateTimeOffset startedAt) => new()
    {
        Partition = partition, RequestId = requestId, KeyId = keyId, UserId = userId, TeamId = teamId, Model = "m", Provider = "openai",
        Endpoint = "/v1/chat/completions", FrontendInstance = "fe", Region = "r", StartedAt = startedAt, ReservedMicros = 10,
    };

    private static async Task<int> CountAsync(TableClient table, string filter)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter))
        {
            count++;
        }

        return count;
    }
}
