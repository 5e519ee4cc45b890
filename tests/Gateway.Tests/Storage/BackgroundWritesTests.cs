using System.Diagnostics.Metrics;
using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Storage;

/// <summary>
/// Writes nobody waits on take their turn among a bounded number in flight: a group-commit writer
/// given the lane commits only once a place is free, and never more at once than the lane allows.
/// </summary>
public sealed class BackgroundWritesTests : IAsyncLifetime
{
    private readonly string _tableName = TestStorage.NewPrefix() + "lane";

    public async Task InitializeAsync() => await Table.CreateIfNotExistsAsync();

    public async Task DisposeAsync() => await Table.DeleteAsync();

    private TableClient Table => new(TestStorage.ConnectionString, _tableName);

    [Fact]
    public async Task A_writer_in_the_lane_commits_only_once_a_place_is_free()
    {
        var account = "lane-" + Guid.NewGuid().ToString("N");
        long waiting = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "gateway.storage.background_writes.waiting")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "account" && (string?)tag.Value == account)
                {
                    Interlocked.Add(ref waiting, value);
                }
            }
        });
        listener.Start();

        var lane = new BackgroundWrites(1, account);
        var held = new TaskCompletionSource();
        var holder = lane.RunAsync(() => held.Task);
        await using var writer = new GroupCommitWriter(Table, NullLogger.Instance, name: "test", lane: lane);

        var write = writer.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("lane", "row")));
        await Poll.UntilAsync(() => Task.FromResult(lane.Waiting), n => n == 1, TimeSpan.FromSeconds(10), "the writer to wait for the lane");
        Assert.False(write.IsCompleted);
        Assert.False((await Table.GetEntityIfExistsAsync<TableEntity>("lane", "row")).HasValue);
        Assert.Equal(1, Interlocked.Read(ref waiting));

        held.SetResult();
        await holder;
        await write;
        Assert.True((await Table.GetEntityIfExistsAsync<TableEntity>("lane", "row")).HasValue);
        Assert.Equal(0, lane.InFlight);
        Assert.Equal(0, Interlocked.Read(ref waiting));
    }

    [Fact]
    public async Task Writes_never_exceed_the_places_of_the_lane()
    {
        var lane = new BackgroundWrites(2);
        var inFlight = 0;
        var most = 0;
        var gates = Enumerable.Range(0, 6).Select(_ => new TaskCompletionSource()).ToArray();
        var started = 0;
        var runs = gates.Select(gate => lane.RunAsync(async () =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            Interlocked.Increment(ref started);
            await gate.Task;
            Interlocked.Decrement(ref inFlight);
        })).ToArray();

        // Two run, four wait; opening the gates one at a time lets one more in each time.
        foreach (var (gate, i) in gates.Select((g, i) => (g, i)))
        {
            await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref started)), n => n == Math.Min(i + 2, gates.Length), TimeSpan.FromSeconds(10), "the next write to start");
            Assert.Equal(Math.Max(gates.Length - i - 2, 0), lane.Waiting);
            gate.SetResult();
        }

        await Task.WhenAll(runs);
        Assert.Equal(2, most);
        Assert.Equal(0, lane.InFlight);
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("65", false)]
    [InlineData("1", true)]
    [InlineData("64", true)]
    public void The_places_per_account_are_checked_at_start(string value, bool valid)
    {
        // The host binds StorageOptions this way (GatewayHostBuilder), validated on start.
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Storage:BackgroundWritesInFlight"] = value }).Build());
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<StorageOptions>>();

        if (valid)
        {
            Assert.Equal(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture), options.Value.BackgroundWritesInFlight);
        }
        else
        {
            var failure = Assert.Throws<OptionsValidationException>(() => options.Value);
            Assert.Contains(nameof(StorageOptions.BackgroundWritesInFlight), failure.Message, StringComparison.Ordinal);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
