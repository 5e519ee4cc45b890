using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Storage;

/// <summary>
/// A journal row's key is <c>~{key id}!{request id}</c>, so a key's rows are a row-key range of its
/// shard: its activation and its audit pages read that range instead of every row of the shard. Rows
/// of the older form (the request id alone) are still read, retired and replaced in place, and
/// <c>Gateway:Storage:JournalRowKeys=Request</c> still writes them, for a rolling upgrade.
/// </summary>
public sealed class JournalRowKeysTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 13, 0, 0, TimeSpan.Zero);

    private static IntentEntry Intent(string keyId, string requestId) => new()
    {
        Partition = TestStorage.Shards.PartitionFor(keyId),
        RequestId = requestId,
        KeyId = keyId,
        UserId = "user-" + keyId,
        Model = "gpt-4o-mini",
        Provider = "openai",
        Endpoint = "/v1/chat/completions",
        FrontendInstance = "fe-1",
        Region = "westeurope",
        StartedAt = At,
    };

    private static AuditRecord Settled(IntentEntry intent, long sequence) => new()
    {
        KeyId = intent.KeyId,
        Sequence = sequence,
        PreviousHash = "",
        Hash = "h" + sequence,
        RequestId = intent.RequestId,
        JournalRowKey = intent.RowKey,
        UserId = intent.UserId,
        Model = intent.Model,
        Provider = intent.Provider,
        Endpoint = intent.Endpoint,
        Outcome = "completed",
        FrontendInstance = intent.FrontendInstance,
        Region = intent.Region,
        StartedAt = intent.StartedAt,
        RecordedAt = At.AddSeconds(1),
        CostMicros = 100,
    };

    private static IntentJournal Journal(GatewayTables tables, StorageOptions options) =>
        new(tables, new JournalShards(Options.Create(options)), Options.Create(options), TimeProvider.System, NullLogger<IntentJournal>.Instance);

    private static async Task<List<string>> RowKeysAsync(TableClient table, string partition)
    {
        var keys = new List<string>();
        await foreach (var e in table.QueryAsync<TableEntity>($"PartitionKey eq '{partition}'", select: ["RowKey"]))
        {
            keys.Add(e.RowKey);
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    [Fact]
    public async Task Rows_of_both_forms_are_written_as_configured_read_for_their_key_and_replaced_and_retired_in_place()
    {
        var prefix = TestStorage.NewPrefix();
        var options = TestStorage.Options(prefix);
        var tables = await TestStorage.CreateTablesAsync(options);
        var older = TestStorage.Options(prefix);
        older.JournalRowKeys = JournalRowKeyForm.Request;
        await using var journal = Journal(tables, options);
        await using var upgrading = Journal(tables, older);
        var keyId = "rowkeys" + prefix;
        var partition = journal.PartitionFor(keyId);
        var table = tables.AccountFor(keyId).Journal;

        // One intent in each form: the default writes the key-prefixed key, Request the request id.
        await journal.RecordAsync(Intent(keyId, "r-new"));
        await upgrading.RecordAsync(Intent(keyId, "r-old"));
        Assert.Equal(["r-old", "~" + keyId + "!r-new"], await RowKeysAsync(table, partition));

        // Both are the key's, each with its row key as stored and its request id.
        var (intents, settled) = await journal.ReadKeyAsync(keyId, CancellationToken.None);
        Assert.Empty(settled);
        Assert.Equal([("r-new", "~" + keyId + "!r-new"), ("r-old", "r-old")],
            intents.Select(i => (i.RequestId, i.RowKey!)).OrderBy(p => p.RequestId, StringComparer.Ordinal));

        // Settled by the default form's journal: each replaces its own intent, in its own form (no second row).
        foreach (var (intent, sequence) in intents.OrderBy(i => i.RequestId, StringComparer.Ordinal).Select((i, n) => (i, (long)n)))
        {
            await journal.WriteSettledAsync([Settled(intent, sequence)]);
        }

        Assert.Equal(["r-old", "~" + keyId + "!r-new"], await RowKeysAsync(table, partition));
        (intents, settled) = await journal.ReadKeyAsync(keyId, CancellationToken.None);
        Assert.Empty(intents);
        Assert.Equal(["r-new", "r-old"], settled.Select(r => r.RequestId));

        // A request's row is found by a point read of either form.
        var shards = new JournalShards(Options.Create(options));
        Assert.Equal("r-old", (await shards.FindRowAsync(table, keyId, "r-old", CancellationToken.None))?.GetString("RequestId"));
        Assert.Equal("r-new", (await shards.FindRowAsync(table, keyId, "r-new", CancellationToken.None))?.GetString("RequestId"));
        Assert.Null(await shards.FindRowAsync(table, keyId, "r-missing", CancellationToken.None));

        // Retired by the row keys they were read with.
        foreach (var row in settled)
        {
            await journal.RetireSettledAsync(row);
        }

        await Poll.UntilAsync(async () => (await RowKeysAsync(table, partition)).Count == 0, TimeSpan.FromSeconds(10), "both rows retired");
    }

    [Fact]
    public async Task A_key_s_rows_are_read_from_its_row_key_range_not_from_every_row_naming_it()
    {
        var prefix = TestStorage.NewPrefix();
        var options = TestStorage.Options(prefix);
        var tables = await TestStorage.CreateTablesAsync(options);
        await using var journal = Journal(tables, options);
        var keyId = "range" + prefix;
        var partition = journal.PartitionFor(keyId);
        var table = tables.AccountFor(keyId).Journal;

        // Another key whose id starts with this one's: its rows sort right after, outside the range.
        var longer = keyId + "0";
        await journal.RecordAsync(Intent(keyId, "mine"));
        await table.AddEntityAsync((Intent(longer, "theirs") with { Partition = partition }).ToEntity(JournalShards.KeyedRowKey(longer, "theirs")));

        // A row naming this key but stored outside both of its ranges (above the prefix, under another
        // key's): a query by the KeyId property would find it, a read of the key's ranges does not.
        await table.AddEntityAsync(Intent(keyId, "stray").ToEntity("~zz!stray"));

        var (intents, _) = await journal.ReadKeyAsync(keyId, CancellationToken.None);
        Assert.Equal(["mine"], intents.Select(i => i.RequestId));

        var (keyed, older) = new JournalShards(Options.Create(options)).KeyRowFilters(keyId);
        Assert.Equal($"PartitionKey eq '{partition}' and RowKey ge '~{keyId}!' and RowKey lt '~{keyId}\"'", keyed);
        Assert.Equal($"PartitionKey eq '{partition}' and RowKey lt '~' and KeyId eq '{keyId}'", older);
    }

    [Theory]
    [InlineData("~abc!0190f3a1b2c3", "0190f3a1b2c3")]
    [InlineData("0190f3a1b2c3", "0190f3a1b2c3")]
    [InlineData("~abc!req!with!marks", "req!with!marks")]
    public void The_request_id_is_read_from_either_form(string rowKey, string requestId) =>
        Assert.Equal(requestId, JournalShards.RequestIdOf(rowKey));
}
