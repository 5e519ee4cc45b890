using Azure.Data.Tables;

namespace Gateway.Storage.Journal;

/// <summary>
/// A key's journal partition depends on the shard count, so a process configured with another count
/// than the rows were written under would not find them: a key's activation would miss its open
/// intents and its settled rows not yet copied, and write sequence numbers those rows hold. A change
/// goes in steps (<see cref="StorageOptions.JournalShardsAlsoRead"/>), and this check holds a start to
/// them. The counts the fleet's processes read are recorded in the main account (ledger table,
/// partition <c>~layout</c>, row <c>journal</c>); a start whose counts (its <see cref="StorageOptions.JournalShards"/>
/// and <see cref="StorageOptions.JournalShardsAlsoRead"/>) cover the recorded ones goes ahead and
/// records its own. Otherwise, or when there is no record yet, every account's journal is read once:
/// <list type="bullet">
/// <item>a start that would write under a count no recorded process reads is refused unless the journal is empty
/// (those processes would not find its rows);</item>
/// <item>a start that would leave rows where it does not look (a row outside its key's partitions under this
/// process's counts) is refused, naming how many and the setting that reads them.</item>
/// </list>
/// </summary>
public sealed class JournalLayout(GatewayTables tables, JournalShards shards)
{
    public const string Row = "journal";

    public async Task EnsureReadableAsync(CancellationToken cancellationToken)
    {
        var (written, alsoRead) = shards.Counts;
        int[] configured = alsoRead > 0 ? [written, alsoRead] : [written];
        var stored = await tables.MainLedger.GetEntityIfExistsAsync<TableEntity>(AccountLayout.Partition, Row, cancellationToken: cancellationToken);
        var recorded = stored.HasValue && stored.Value is { } row ? Parse(row) : [];
        if (recorded.Count > 0 && recorded.All(configured.Contains) && recorded.Contains(written))
        {
            if (!recorded.SequenceEqual(configured))
            {
                await RecordAsync(configured, cancellationToken);
            }

            return;
        }

        var (rows, strays, example) = await ReadJournalAsync(cancellationToken);
        if (recorded.Count > 0 && !recorded.Contains(written) && rows > 0)
        {
            throw new StorageLayoutException(
                $"{StorageOptions.Section}:JournalShards is {written}, but the fleet's processes read the journal's rows under {Describe(recorded)}, and the journal holds {Rows(rows)}: " +
                $"rows written under {written} would be where those processes do not look. First set {StorageOptions.Section}:JournalShardsAlsoRead={written} on every process and roll it out, " +
                $"then set JournalShards={written} with JournalShardsAlsoRead={recorded[0]} (docs/storage-queries.md, \"Changing the shard count\").");
        }

        if (strays > 0)
        {
            throw new StorageLayoutException(
                $"The journal holds {Rows(strays)} outside the partitions this process reads for their keys (for example key {example.KeyId} in {example.Partition}); " +
                $"with {StorageOptions.Section}:JournalShards={written}{(alsoRead > 0 ? $" and JournalShardsAlsoRead={alsoRead}" : "")} they would not be found. " +
                $"Keep JournalShardsAlsoRead set to the count they were written under{(recorded.Count > 0 ? $" ({Describe(recorded.Where(c => c != written).ToList())})" : "")} until they are copied and retired " +
                "(docs/storage-queries.md, \"Changing the shard count\").");
        }

        await RecordAsync(configured, cancellationToken);
    }

    private static List<int> Parse(TableEntity row) =>
        [.. (row.GetString("Counts") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture))];

    private static string Rows(long count) => count == 1 ? "1 row" : $"{count} rows";

    private static string Describe(IReadOnlyList<int> counts) => string.Join(" and ", counts);

    private Task RecordAsync(int[] counts, CancellationToken cancellationToken) =>
        tables.MainLedger.UpsertEntityAsync(new TableEntity(AccountLayout.Partition, Row) { ["Counts"] = string.Join(',', counts) }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Every account's journal, key ids and partitions only: the rows, and those outside their key's partitions under this process's counts.</summary>
    private async Task<(long Rows, long Strays, (string KeyId, string Partition) Example)> ReadJournalAsync(CancellationToken cancellationToken)
    {
        long rows = 0, strays = 0;
        (string, string) example = ("", "");
        // Every account's journal table exists by now (created before this check runs).
        foreach (var account in tables.Accounts)
        {
            await foreach (var entity in account.JournalScan.QueryAsync<TableEntity>(select: ["PartitionKey", "KeyId"], cancellationToken: cancellationToken))
            {
                rows++;
                var keyId = entity.GetString("KeyId") ?? "";
                if (!shards.PartitionsOf(keyId).Contains(entity.PartitionKey))
                {
                    example = strays++ == 0 ? (keyId, entity.PartitionKey) : example;
                }
            }
        }

        return (rows, strays, example);
    }
}
