using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Gateway.Storage.Journal;

/// <summary>
/// The intent journal: every intent and retirement written by any key's grain on a silo goes into
/// that silo's partition through one group-commit writer, so concurrent requests share round
/// trips across keys and not only within one.
/// </summary>
public sealed class IntentJournal(GatewayTables tables, ILogger<IntentJournal> logger) : IAsyncDisposable
{
    private readonly GroupCommitWriter _writer = new(tables.Journal, logger);

    // Retirements have a writer of their own: nobody waits on them, and a batch of them that fails
    // (an intent retired twice) falls back to row-by-row without holding up the intents the request
    // path waits for.
    private readonly GroupCommitWriter _retirements = new(tables.Journal, logger);

    /// <summary>Commits so far and rows in them (intents and retirements): their ratio is the batching achieved.</summary>
    public (long Commits, long Rows) Statistics =>
        (_writer.Statistics.Commits + _retirements.Statistics.Commits, _writer.Statistics.Rows + _retirements.Statistics.Rows);

    /// <summary>Durably records an intent; completes only once the row is committed.</summary>
    public Task RecordAsync(IntentEntry entry) =>
        _writer.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entry.ToEntity()));

    /// <summary>Retires a settled intent. A retirement that fails only leaves work for the sweeper.</summary>
    public Task RetireAsync(string partition, string requestId) =>
        _retirements.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, requestId), ETag.All));

    /// <summary>Open intents of one key in any silo's journal. The journal only holds requests in flight, so it stays small.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindByKeyAsync(string keyId, CancellationToken cancellationToken) =>
        FindAsync($"KeyId eq {TableKeys.Quote(keyId)}", cancellationToken);

    /// <summary>Open intents of every key of one user.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindByUserAsync(string userId, CancellationToken cancellationToken) =>
        FindAsync($"UserId eq {TableKeys.Quote(userId)}", cancellationToken);

    /// <summary>Open intents reserved on one team's budget.</summary>
    public Task<IReadOnlyList<IntentEntry>> FindByTeamAsync(string teamId, CancellationToken cancellationToken) =>
        FindAsync($"TeamId eq {TableKeys.Quote(teamId)}", cancellationToken);

    private async Task<IReadOnlyList<IntentEntry>> FindAsync(string filter, CancellationToken cancellationToken)
    {
        var list = new List<IntentEntry>();
        await foreach (var entity in tables.Journal.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(IntentEntry.FromEntity(entity));
        }

        return list;
    }

    /// <summary>Intents opened before a point in time, in any silo's journal.</summary>
    public async Task<IReadOnlyList<IntentEntry>> FindOpenedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var list = new List<IntentEntry>();
        var filter = TableClient.CreateQueryFilter($"StartedAt lt {before}");
        await foreach (var entity in tables.Journal.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(IntentEntry.FromEntity(entity));
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _retirements.DisposeAsync();
    }
}
