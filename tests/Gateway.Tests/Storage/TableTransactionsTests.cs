using System.Diagnostics.Metrics;
using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Metrics;
using Gateway.Storage.Transactions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Storage;

/// <summary>
/// The gateway's own <c>$batch</c> (<see cref="TableTransactions"/>) against Azurite, read back through
/// the SDK: every property type it writes comes back as the SDK would have written it, every kind of
/// action does what the SDK's does, and a refused transaction lands nothing and names the status and
/// error code that <see cref="TableClient.SubmitTransactionAsync"/> names for the same refusal.
/// </summary>
public sealed class TableTransactionsTests : IAsyncLifetime
{
    private readonly string _tableName = TestStorage.NewPrefix() + "transactions";
    private TableClient _table = null!;
    private TableTransactions _transactions = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions().WithTransactionCounting("test");
        _table = new TableClient(TestStorage.ConnectionString, _tableName, options);
        _transactions = TableTransactions.ForConnectionString(TestStorage.ConnectionString, options);
        await _table.CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync() => await _table.DeleteAsync();

    [Fact]
    public async Task Every_property_type_comes_back_as_written_with_its_type()
    {
        var at = new DateTimeOffset(2026, 12, 2, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);
        var guid = Guid.NewGuid();
        var row = new TableEntity("p", "types")
        {
            ["Text"] = "h\u00e9llo \"quoted\" \\ \n line",
            ["Flag"] = true,
            ["Small"] = 42,
            ["Big"] = long.MaxValue,
            ["Negative"] = -9_000_000_000L,
            ["Ratio"] = 2.0,
            ["When"] = at,
            ["Id"] = guid,
            ["Bytes"] = new byte[] { 0, 1, 2, 255 },
            ["Missing"] = null,
        };

        await _transactions.SubmitAsync(_table, [new TableTransactionAction(TableTransactionActionType.Add, row), new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "second"))]);

        var stored = (await _table.GetEntityAsync<TableEntity>("p", "types")).Value;
        Assert.Equal("h\u00e9llo \"quoted\" \\ \n line", stored["Text"]);
        Assert.Equal(true, stored["Flag"]);
        Assert.Equal(42, stored["Small"]);
        Assert.Equal(long.MaxValue, stored["Big"]);
        Assert.Equal(-9_000_000_000L, stored["Negative"]);
        Assert.Equal(2.0, stored["Ratio"]);
        Assert.Equal(at, stored.GetDateTimeOffset("When"));
        Assert.Equal(guid, stored["Id"]);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, stored.GetBinary("Bytes"));
        Assert.False(stored.ContainsKey("Missing"));
        Assert.True((await _table.GetEntityIfExistsAsync<TableEntity>("p", "second")).HasValue);
    }

    [Fact]
    public async Task Every_kind_of_action_does_what_the_SDKs_does()
    {
        await _table.AddEntityAsync(new TableEntity("p", "replace") { ["A"] = "old", ["B"] = "old" });
        await _table.AddEntityAsync(new TableEntity("p", "merge") { ["A"] = "old", ["B"] = "old" });
        var update = (await _table.AddEntityAsync(new TableEntity("p", "update") { ["A"] = "old", ["B"] = "old" })).Headers.ETag!.Value;
        var delete = (await _table.AddEntityAsync(new TableEntity("p", "delete"))).Headers.ETag!.Value;
        await _table.AddEntityAsync(new TableEntity("p", "delete-any"));

        await _transactions.SubmitAsync(_table,
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "added") { ["A"] = "new" }),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "replace") { ["A"] = "new" }),
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("p", "merge") { ["A"] = "new" }),
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity("p", "update") { ["A"] = "new" }, update),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "delete"), delete),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "delete-any"), ETag.All),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upserted") { ["A"] = "new" }),
        ]);

        var rows = new Dictionary<string, TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == "p"))
        {
            rows[row.RowKey] = row;
        }

        Assert.Equal(["added", "merge", "replace", "update", "upserted"], rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("new", rows["replace"]["A"]);
        Assert.False(rows["replace"].ContainsKey("B"));
        Assert.Equal(("new", "old"), (rows["merge"]["A"], rows["merge"]["B"]));
        Assert.Equal(("new", "old"), (rows["update"]["A"], rows["update"]["B"]));
    }

    [Fact]
    public async Task A_lone_row_of_each_kind_does_what_the_SDKs_does()
    {
        await _table.AddEntityAsync(new TableEntity("lone", "replace") { ["A"] = "old", ["B"] = "old" });
        await _table.AddEntityAsync(new TableEntity("lone", "merge") { ["A"] = "old", ["B"] = "old" });
        var update = (await _table.AddEntityAsync(new TableEntity("lone", "update") { ["A"] = "old", ["B"] = "old" })).Headers.ETag!.Value;
        var delete = (await _table.AddEntityAsync(new TableEntity("lone", "delete"))).Headers.ETag!.Value;
        await _table.AddEntityAsync(new TableEntity("lone", "delete-any"));
        var at = new DateTimeOffset(2026, 12, 2, 20, 30, 0, TimeSpan.Zero).AddTicks(42);

        // Each in a transaction of its own: a plain write of one entity (a merge, a batch of one).
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.Add, new TableEntity("lone", "added") { ["A"] = "new", ["N"] = 5L, ["When"] = at, ["Skipped"] = null }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("lone", "replace") { ["A"] = "new" }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("lone", "upserted") { ["A"] = "new" }),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("lone", "update") { ["A"] = "new" }, update),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("lone", "merge") { ["A"] = "new" }),
            new(TableTransactionActionType.Delete, new TableEntity("lone", "delete"), delete),
            new(TableTransactionActionType.Delete, new TableEntity("lone", "delete-any"), ETag.All),
        ];
        foreach (var action in actions)
        {
            await _transactions.SubmitAsync(_table, [action]);
        }

        var rows = new Dictionary<string, TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == "lone"))
        {
            rows[row.RowKey] = row;
        }

        Assert.Equal(["added", "merge", "replace", "update", "upserted"], rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("new", 5L, at), (rows["added"]["A"], rows["added"]["N"], rows["added"].GetDateTimeOffset("When")));
        Assert.False(rows["added"].ContainsKey("Skipped"));
        Assert.Equal("new", rows["replace"]["A"]);
        Assert.False(rows["replace"].ContainsKey("B"));
        Assert.Equal("new", rows["update"]["A"]);
        Assert.False(rows["update"].ContainsKey("B"));
        Assert.Equal(("new", "old"), (rows["merge"]["A"], rows["merge"]["B"]));
    }

    [Fact]
    public async Task A_refused_lone_row_says_why_as_the_SDKs_own_write_does()
    {
        var stale = (await _table.AddEntityAsync(new TableEntity("lone-refused", "taken") { ["V"] = 1 })).Headers.ETag!.Value;
        await _table.UpsertEntityAsync(new TableEntity("lone-refused", "taken") { ["V"] = 2 });

        var conflict = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _transactions.SubmitAsync(_table,
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("lone-refused", "taken"))]));
        var sdkConflict = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _table.AddEntityAsync(new TableEntity("lone-refused", "taken")));
        Assert.Equal((409, sdkConflict.ErrorCode), (conflict.Status, conflict.ErrorCode));
        Assert.Equal("EntityAlreadyExists", conflict.ErrorCode);

        var precondition = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _transactions.SubmitAsync(_table,
            [new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("lone-refused", "taken") { ["V"] = 3 }, stale)]));
        var sdkPrecondition = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _table.UpdateEntityAsync(new TableEntity("lone-refused", "taken") { ["V"] = 3 }, stale, TableUpdateMode.Replace));
        Assert.Equal((412, sdkPrecondition.ErrorCode), (precondition.Status, precondition.ErrorCode));
        Assert.Equal(2, (await _table.GetEntityAsync<TableEntity>("lone-refused", "taken")).Value["V"]);
    }

    [Fact]
    public async Task A_refused_transaction_lands_nothing_and_says_why()
    {
        await _table.AddEntityAsync(new TableEntity("p", "taken"));

        var conflict = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _transactions.SubmitAsync(_table,
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "fresh")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "taken")),
        ]));
        Assert.Equal((409, "EntityAlreadyExists"), (conflict.Status, conflict.ErrorCode));
        Assert.False((await _table.GetEntityIfExistsAsync<TableEntity>("p", "fresh")).HasValue);

        var stale = (await _table.UpsertEntityAsync(new TableEntity("p", "taken") { ["V"] = 1 })).Headers.ETag!.Value;
        await _table.UpsertEntityAsync(new TableEntity("p", "taken") { ["V"] = 2 });
        var precondition = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _transactions.SubmitAsync(_table,
            [new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "taken"), stale)]));
        var sdkPrecondition = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _table.SubmitTransactionAsync(
            [new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "taken"), stale)]));
        Assert.Equal((412, sdkPrecondition.ErrorCode), (precondition.Status, precondition.ErrorCode));

        var missing = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _transactions.SubmitAsync(_table,
            [new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "never"), ETag.All)]));
        var sdkMissing = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _table.SubmitTransactionAsync(
            [new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "never"), ETag.All)]));
        Assert.Equal((404, sdkMissing.ErrorCode), (missing.Status, missing.ErrorCode));
        Assert.True((await _table.GetEntityIfExistsAsync<TableEntity>("p", "taken")).HasValue);
    }

    [Fact]
    public async Task Keys_with_quotes_and_characters_a_URL_escapes_are_addressed_exactly()
    {
        const string partition = "o'brien & sons";
        const string rowKey = "r\u00f6w 'one' = more";
        await _table.AddEntityAsync(new TableEntity(partition, rowKey) { ["V"] = "old" });

        await _transactions.SubmitAsync(_table,
        [
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, rowKey) { ["V"] = "new" }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, "plain")),
        ]);

        Assert.Equal("new", (await _table.GetEntityAsync<TableEntity>(partition, rowKey)).Value["V"]);
        await _transactions.SubmitAsync(_table, [new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, rowKey), ETag.All)]);
        Assert.False((await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey)).HasValue);
    }

    [Fact]
    public async Task A_transaction_counts_as_one_and_its_rows_as_entity_writes()
    {
        long transactions = 0, writes = 0, plainWrites = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StorageMetrics.MeterName && instrument.Name is StorageMetrics.TransactionsInstrument or StorageMetrics.EntityWritesInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!tags.ToArray().Any(t => t.Key == StorageMetrics.TableTag && (string?)t.Value == _tableName))
            {
                return;
            }

            if (instrument.Name == StorageMetrics.TransactionsInstrument)
            {
                Interlocked.Add(ref transactions, value);
                if (tags.ToArray().Any(t => t.Key == StorageMetrics.OperationTag && (string?)t.Value == "write"))
                {
                    Interlocked.Add(ref plainWrites, value);
                }
            }
            else
            {
                Interlocked.Add(ref writes, value);
            }
        });
        listener.Start();

        await _transactions.SubmitAsync(_table, [.. Enumerable.Range(0, 40).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("counted", $"r{i:D2}")))]);

        Assert.Equal((1, 40), (Interlocked.Read(ref transactions), Interlocked.Read(ref writes)));

        Assert.Equal(0, Interlocked.Read(ref plainWrites));

        // A lone row goes as a plain write of one entity, not a batch, and counts as one of each too.
        await _transactions.SubmitAsync(_table, [new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("counted", "lone"))]);
        Assert.Equal((2, 41, 1), (Interlocked.Read(ref transactions), Interlocked.Read(ref writes), Interlocked.Read(ref plainWrites)));
    }

    [Fact]
    public void The_setting_picks_the_transport_of_every_account()
    {
        var on = new Gateway.Storage.GatewayTables(Microsoft.Extensions.Options.Options.Create(TestStorage.Options(TestStorage.NewPrefix())));
        Assert.NotSame(TableTransactions.ThroughSdk, Assert.Single(on.Accounts).Transactions);

        var off = TestStorage.Options(TestStorage.NewPrefix());
        off.HandWrittenTransactions = false;
        Assert.Same(TableTransactions.ThroughSdk, Assert.Single(new Gateway.Storage.GatewayTables(Microsoft.Extensions.Options.Options.Create(off)).Accounts).Transactions);

        // And from configuration, as an operator sets it.
        var app = Gateway.Host.GatewayHostBuilder.Build(["--role", "silo", "--Gateway:Storage:HandWrittenTransactions", "false"]);
        var tables = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Gateway.Storage.GatewayTables>(app.Services);
        Assert.Same(TableTransactions.ThroughSdk, Assert.Single(tables.Accounts).Transactions);
    }

    [Fact]
    public async Task Switched_off_the_same_transactions_go_through_the_SDK()
    {
        await TableTransactions.ThroughSdk.SubmitAsync(_table, [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("sdk", "a") { ["N"] = 1L })]);
        Assert.Equal(1L, (await _table.GetEntityAsync<TableEntity>("sdk", "a")).Value["N"]);

        var conflict = await Assert.ThrowsAnyAsync<RequestFailedException>(() => TableTransactions.ThroughSdk.SubmitAsync(_table,
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("sdk", "a"))]));
        Assert.Equal(409, conflict.Status);
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=a;AccountKey=c2VjcmV0;TableEndpoint=http://127.0.0.1:1/a;", "c2VjcmV0")]
    [InlineData("UseDevelopmentStorage=true", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")]
    [InlineData("TableEndpoint=https://a.table.core.windows.net/;SharedAccessSignature=sv=2020&sig=x", null)]
    public void The_account_key_is_read_from_a_connection_string_and_a_SAS_has_none(string connectionString, string? key) =>
        Assert.Equal(key, TableTransactions.ConnectionStringKey(connectionString));
}
