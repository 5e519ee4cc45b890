using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Storage.Journal;

/// <summary>
/// The intent journal: every request's intent, written before it goes upstream and retired once it
/// is settled. The journal is split into <see cref="StorageOptions.JournalShards"/> partitions by
/// key id, so a key's intents always live in one known partition whichever silo recorded them, and
/// every look-up reads named partitions only: one for a key, those of its keys for a user, all of
/// them (a bounded set) for a team or the sweep. Writes from every key's grain on a silo go through
/// one group-commit writer, one transaction per partition per round trip.
/// </summary>
public sealed class IntentJournal : IAsyncDisposable
{
    private readonly GatewayTables _tables;
    private readonly GroupCommitWriter _writer;

    // Retirements have a writer of their own: nobody waits on them, and a batch of them that fails
    // (an intent retired twice) falls back to row-by-row without holding up the intents the request
    // path waits for.
    private readonly GroupCommitWriter _retirements;

    public IntentJournal(GatewayTables tables, IOptions<StorageOptions> options, ILogger<IntentJournal> logger)
    {
        _tables = tables;
        _writer = new(tables.Journal, logger);
        _retirements = new(tables.Journal, logger);
        Partitions = [.. Enumerable.Range(0, options.Value.JournalShards).Select(Shard)];
    }

    /// <summary>Every partition of the journal.</summary>
    public IReadOnlyList<string> Partitions { get; }

    /// <summary>The partition a key's intents go to: a stable hash of its id (FNV-1a), so every process agrees.</summary>
    public string PartitionFor(string keyId)
    {
        var hash = 2166136261u;
        foreach (var c in keyId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return Partitions[(int)(hash % (uint)Partitions.Count)];
    }

    private static string Shard(int index) => "j" + index.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Commits so far and rows in them (intents and retirements): their ratio is the batching achieved.</summary>
    public (long Commits, long Rows) Statistics =>
        (_writer.Statistics.Commits + _retirements.Statistics.Commits, _writer.Statistics.Rows + _retirements.Statistics.Rows);

    /// <summary>Durably records an intent; completes only once the row is committed.</summary>
    public Task RecordAsync(IntentEntry entry) =>
        _writer.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entry.ToEntity()));

    /// <summary>Retires a settled intent. A retirement that fails only leaves work for the sweeper.</summary>
    public Task RetireAsync(string partition, string requestId) =>
        _retirements.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, requestId), ETag.All));

    /// <summary>Open intents of one key: one partition.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindByKeyAsync(string keyId, CancellationToken cancellationToken) =>
        FindAsync([PartitionFor(keyId)], $"KeyId eq {TableKeys.Quote(keyId)}", cancellationToken);

    /// <summary>Open intents of one user, on the keys given (the user's keys): the partitions those keys hash to.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindByUserAsync(string userId, IEnumerable<string> keyIds, CancellationToken cancellationToken) =>
        FindAsync(keyIds.Select(PartitionFor).Distinct(StringComparer.Ordinal), $"UserId eq {TableKeys.Quote(userId)}", cancellationToken);

    /// <summary>Open intents reserved on one team's budget: every partition, each read on its own.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindByTeamAsync(string teamId, CancellationToken cancellationToken) =>
        FindAsync(Partitions, $"TeamId eq {TableKeys.Quote(teamId)}", cancellationToken);

    /// <summary>Intents opened before a point in time: every partition, each read on its own.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindOpenedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        FindAsync(Partitions, TableClient.CreateQueryFilter($"StartedAt lt {before}"), cancellationToken);

    private async Task<IReadOnlyList<IntentEntry>> FindAsync(IEnumerable<string> partitions, string filter, CancellationToken cancellationToken)
    {
        var list = new List<IntentEntry>();
        foreach (var partition in partitions)
        {
            await foreach (var entity in _tables.Journal.QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(partition)} and {filter}", cancellationToken: cancellationToken))
            {
                list.Add(IntentEntry.FromEntity(entity));
            }
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _retirements.DisposeAsync();
    }
}
