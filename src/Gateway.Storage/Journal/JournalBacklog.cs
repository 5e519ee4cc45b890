using Azure.Data.Tables;
using Gateway.Storage.Audit;

namespace Gateway.Storage.Journal;

/// <summary>
/// What the journal still holds, for the console's cluster page: open intents (requests reserved
/// and not settled) and settled rows not yet retired (copied, or still to copy, into their keys'
/// ledger partitions), with the oldest of each. A backlog that grows, or an oldest row that keeps
/// ageing, is a ledger copier that has stopped or a silo that died holding intents the sweep has
/// not yet reached.
/// </summary>
public sealed class JournalBacklog(GatewayTables tables, JournalShards shards, TimeProvider time)
{
    // The page polls every 2 s and several operators may watch; one read of every shard per few
    // seconds per front-end is plenty for a figure that moves on the sweep's scale.
    private static readonly TimeSpan Reuse = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (JournalBacklogReport Report, DateTimeOffset ReadAt)? _last;

    /// <summary>
    /// Counts every shard of every account: a cross-partition read, so it sits on the admin path only,
    /// each shard read on its own (a named partition) with three columns selected.
    /// </summary>
    public async Task<JournalBacklogReport> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.ReadAt < Reuse)
            {
                return last.Report;
            }

            long intents = 0, settled = 0, underOther = 0;
            DateTimeOffset? oldestIntent = null, oldestSettled = null;
            var (written, alsoRead) = shards.Counts;
            foreach (var (account, partition) in shards.AcrossAccounts(tables))
            {
                var filter = $"PartitionKey eq {TableKeys.Quote(partition)}";
                await foreach (var entity in account.Journal.QueryAsync<TableEntity>(filter, select: ["Sequence", "StartedAt", "RecordedAt", "KeyId"], cancellationToken: cancellationToken))
                {
                    if (alsoRead > 0 && entity.GetString("KeyId") is { } keyId && shards.PartitionFor(keyId) != partition)
                    {
                        underOther++;
                    }

                    if (AuditRecord.IsSettledJournalRow(entity))
                    {
                        settled++;
                        oldestSettled = Older(oldestSettled, entity.GetDateTimeOffset("RecordedAt"));
                    }
                    else
                    {
                        intents++;
                        oldestIntent = Older(oldestIntent, entity.GetDateTimeOffset("StartedAt"));
                    }
                }
            }

            var report = new JournalBacklogReport(intents, oldestIntent, settled, oldestSettled, shards.Partitions.Count * tables.Accounts.Count,
                written, alsoRead > 0 ? alsoRead : null, alsoRead > 0 ? underOther : null);
            _last = (report, time.GetUtcNow());
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static DateTimeOffset? Older(DateTimeOffset? current, DateTimeOffset? candidate) =>
        candidate is { } c && (current is null || c < current) ? c : current;
}
