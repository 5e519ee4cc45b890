using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Storage;

/// <summary>
/// Changing <c>Gateway:Storage:JournalShards</c> on a running fleet moves keys to other partitions.
/// While <c>JournalShardsAlsoRead</c> names the other count, a key's rows are read, found and retired
/// where they are, under either count, and new rows go under the count written; the start-up check
/// (<see cref="JournalLayout"/>) refuses a start that would leave rows where no process looks.
/// </summary>
public sealed class JournalShardsChangeTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 13, 0, 0, TimeSpan.Zero);

    private static StorageOptions Options(string prefix, int shards, int alsoRead = 0)
    {
        var options = TestStorage.Options(prefix);
        (options.JournalShards, options.JournalShardsAlsoRead) = (shards, alsoRead);
        return options;
    }

    private static IntentJournal Journal(GatewayTables tables, StorageOptions options) =>
        new(tables, new JournalShards(Microsoft.Extensions.Options.Options.Create(options)), Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<IntentJournal>.Instance);

    /// <summary>A key whose partition under 2 shards is not its partition under 3.</summary>
    private static string MovingKey(string prefix) =>
        Enumerable.Range(0, 100).Select(i => $"move{i}{prefix}").First(k => JournalShards.PartitionFor(k, 2) != JournalShards.PartitionFor(k, 3));

    private static IntentEntry Intent(IntentJournal journal, string keyId, string requestId, DateTimeOffset startedAt) => new()
    {
        Partition = journal.PartitionFor(keyId), RequestId = requestId, KeyId = keyId, UserId = "user-" + keyId, TeamId = "team-" + keyId,
        Model = "gpt-4o-mini", Provider = "openai", Endpoint = "/v1/chat/completions", FrontendInstance = "fe-1", Region = "westeurope",
        StartedAt = startedAt,
    };

    private static AuditRecord Settled(IntentEntry intent, long sequence) => new()
    {
        KeyId = intent.KeyId, Sequence = sequence, PreviousHash = "", Hash = "h" + sequence, RequestId = intent.RequestId, UserId = intent.UserId,
        Model = intent.Model, Provider = intent.Provider, Endpoint = intent.Endpoint, Outcome = "completed", FrontendInstance = intent.FrontendInstance,
        Region = intent.Region, StartedAt = intent.StartedAt, RecordedAt = intent.StartedAt.AddSeconds(1), CostMicros = 100,
    };

    private static async Task<List<string>> RequestIdsAsync(TableClient table, string partition)
    {
        var ids = new List<string>();
        await foreach (var e in table.QueryAsync<TableEntity>($"PartitionKey eq '{partition}'", select: ["RowKey"]))
        {
            ids.Add(JournalShards.RequestIdOf(e.RowKey));
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    [Fact]
    public async Task While_a_change_drains_a_key_s_rows_under_the_other_count_are_read_found_and_retired_where_they_are()
    {
        var prefix = TestStorage.NewPrefix();
        var tables = await TestStorage.CreateTablesAsync(Options(prefix, 2));
        await using var before = Journal(tables, Options(prefix, 2));
        await using var draining = Journal(tables, Options(prefix, 3, alsoRead: 2));
        await using var after = Journal(tables, Options(prefix, 3));
        var keyId = MovingKey(prefix);
        var (oldShard, newShard) = (JournalShards.PartitionFor(keyId, 2), JournalShards.PartitionFor(keyId, 3));
        var table = tables.AccountFor(keyId).Journal;

        // Under 2 shards: an open intent, and a settled row over another intent. Under 3: a new intent.
        var open = Intent(before, keyId, "r-open", At);
        await before.RecordAsync(open);
        var settledIntent = Intent(before, keyId, "r-settled", At);
        await before.RecordAsync(settledIntent);
        await before.WriteSettledAsync([Settled(settledIntent, 1)]);
        await draining.RecordAsync(Intent(draining, keyId, "r-new", At.AddMinutes(1)));
        Assert.Equal(["r-open", "r-settled"], await RequestIdsAsync(table, oldShard));
        Assert.Equal(["r-new"], await RequestIdsAsync(table, newShard));

        // Reading only the new count misses the rows written under the old: what the setting is for.
        Assert.Equal(["r-new"], (await after.FindByKeyAsync(keyId, CancellationToken.None)).Select(i => i.RequestId));

        // Draining, every look-up finds both, and says where each row is.
        var (intents, settled) = await draining.ReadKeyAsync(keyId, CancellationToken.None);
        Assert.Equal([("r-new", newShard), ("r-open", oldShard)], intents.Select(i => (i.RequestId, i.Partition)).Order());
        Assert.Equal(("r-settled", oldShard), (settled.Single().RequestId, settled.Single().JournalPartition));
        Assert.Equal(["r-new", "r-open"], (await draining.FindByTeamAsync("team-" + keyId, CancellationToken.None)).Select(i => i.RequestId).Order());
        Assert.Equal([keyId], await TestStorage.KeysTheSweepFindsAsync(draining, At.AddSeconds(30)));
        var shards = new JournalShards(Microsoft.Extensions.Options.Options.Create(Options(prefix, 3, alsoRead: 2)));
        Assert.Equal(oldShard, (await shards.FindRowAsync(table, keyId, "r-open", CancellationToken.None))?.PartitionKey);
        Assert.Null(await new JournalShards(Microsoft.Extensions.Options.Options.Create(Options(prefix, 3))).FindRowAsync(table, keyId, "r-open", CancellationToken.None));
        Assert.Equal(["j000", "j001", "j002"], shards.Partitions);

        // The cluster report's backlog counts the rows the change's last rollout waits for: those two.
        var backlog = await new JournalBacklog(tables, shards, TimeProvider.System).ReadAsync(CancellationToken.None);
        Assert.Equal((3L, 3, 2, 2L), (backlog.Intents + backlog.Settled, backlog.Shards, backlog.ShardsAlsoRead, backlog.UnderOtherCount));
        Assert.Null((await new JournalBacklog(tables, new JournalShards(Microsoft.Extensions.Options.Options.Create(Options(prefix, 3))), TimeProvider.System).ReadAsync(CancellationToken.None)).UnderOtherCount);

        // The open intent settles: its row goes to the key's partition under the count written, and the
        // intent is retired where it is; the settled row read back is retired where it was read.
        var openRead = intents.Single(i => i.RequestId == "r-open");
        await draining.WriteSettledAsync([Settled(openRead, 2) with { JournalRowKey = openRead.RowKey }]);
        await draining.RetireIntentAsync(openRead);
        await draining.RetireSettledAsync(settled.Single());
        Assert.Empty(await RequestIdsAsync(table, oldShard));
        Assert.Equal(["r-new", "r-open"], await RequestIdsAsync(table, newShard));
    }

    [Fact]
    public async Task A_start_that_would_leave_rows_unread_is_refused_and_each_step_of_a_change_is_let_through()
    {
        var prefix = TestStorage.NewPrefix();
        var tables = await TestStorage.CreateTablesAsync(Options(prefix, 2));
        Task Start(int shards, int alsoRead = 0) => new JournalLayout(tables, new JournalShards(Microsoft.Extensions.Options.Options.Create(Options(prefix, shards, alsoRead)))).EnsureReadableAsync(CancellationToken.None);

        await Start(2);
        await using var before = Journal(tables, Options(prefix, 2));
        var keyId = MovingKey(prefix);
        var intent = Intent(before, keyId, "r-1", At);
        await before.RecordAsync(intent);

        // Straight to 3: the processes still on 2 would not read what this one writes.
        var straight = await Assert.ThrowsAsync<StorageLayoutException>(() => Start(3));
        Assert.Contains("JournalShardsAlsoRead=3 on every process", straight.Message);

        // Step 1 (read 3 as well), step 2 (write under 3, read 2 as well), a process of step 1 starting again meanwhile.
        await Start(2, alsoRead: 3);
        await Start(3, alsoRead: 2);
        await Start(2, alsoRead: 3);
        await Start(3, alsoRead: 2);

        // Step 3 while the row under 2 is still there: refused, naming it; once it is retired, let through.
        var early = await Assert.ThrowsAsync<StorageLayoutException>(() => Start(3));
        Assert.Contains($"1 row outside the partitions this process reads for their keys (for example key {keyId} in {JournalShards.PartitionFor(keyId, 2)})", early.Message);
        Assert.Contains("(2)", early.Message);
        await before.RetireIntentAsync(intent);
        await Start(3);
        await Start(3);

        // With the journal empty, nothing can be left unread: a count changed with nothing in flight starts.
        await Start(5);
    }

    [Fact]
    public async Task A_deployment_without_a_record_is_read_once_and_refused_when_its_rows_are_under_another_count()
    {
        var prefix = TestStorage.NewPrefix();
        var tables = await TestStorage.CreateTablesAsync(Options(prefix, 2));
        await using var before = Journal(tables, Options(prefix, 2));
        var keyId = MovingKey(prefix);
        await before.RecordAsync(Intent(before, keyId, "r-1", At));
        Task Start(int shards, int alsoRead = 0) => new JournalLayout(tables, new JournalShards(Microsoft.Extensions.Options.Options.Create(Options(prefix, shards, alsoRead)))).EnsureReadableAsync(CancellationToken.None);

        Assert.Contains("1 row outside", (await Assert.ThrowsAsync<StorageLayoutException>(() => Start(3))).Message);
        await Start(2);
        var stored = await tables.MainLedger.GetEntityAsync<TableEntity>(AccountLayout.Partition, JournalLayout.Row);
        Assert.Equal("2", stored.Value.GetString("Counts"));
    }
}
