using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Gateway.Storage.Journal;

/// <summary>
/// The journal's partitions and which key goes to which: a stable hash of the key id
/// (<see cref="KeyHash.Of"/>, so every process agrees), modulo <see cref="StorageOptions.JournalShards"/>.
/// Each account (<see cref="StorageOptions.LedgerAccounts"/>) has the same shards in its own journal table.
/// Inside a shard a row's key is <c>~{key id}!{request id}</c> (<see cref="JournalRowKeyForm.KeyAndRequest"/>),
/// so one key's rows are a row-key range; rows written before that form (the request id alone, all
/// sorting before <c>~</c>) are read beside it (<see cref="KeyRowsAsync"/>, <see cref="FindRowAsync"/>).
/// While the count changes (<see cref="StorageOptions.JournalShardsAlsoRead"/>), a key's partition
/// under the other count is read beside its own, side by side, and rows go to its own.
/// </summary>
public sealed class JournalShards
{
    /// <summary>Starts every key-prefixed row key: it sorts after every request id, so the rows of the older form are the range below it.</summary>
    private const char KeyedPrefix = '~';

    /// <summary>Ends the key id in a key-prefixed row key: no key id holds it, and it sorts before every character one may.</summary>
    private const char KeyEnd = '!';

    /// <summary>The count rows are written under.</summary>
    private readonly int _written;

    /// <summary>A count whose partitions are read as well (<see cref="StorageOptions.JournalShardsAlsoRead"/>), or 0.</summary>
    private readonly int _alsoRead;

    public JournalShards(IOptions<StorageOptions> options)
    {
        _written = options.Value.JournalShards;
        _alsoRead = options.Value.JournalShardsAlsoRead is var also && also != _written ? also : 0;
        Partitions = [.. Enumerable.Range(0, Math.Max(_written, _alsoRead)).Select(Name)];
        RowKeys = options.Value.JournalRowKeys;
    }

    /// <summary>
    /// Every partition of the journal that is read: those of the count rows are written under and, while
    /// a change of the count drains (<see cref="StorageOptions.JournalShardsAlsoRead"/>), those of the other.
    /// </summary>
    public IReadOnlyList<string> Partitions { get; }

    /// <summary>The count rows are written under and, while a change drains, the count also read (0 when none).</summary>
    public (int Written, int AlsoRead) Counts => (_written, _alsoRead);

    /// <summary>How this process writes row keys (<see cref="StorageOptions.JournalRowKeys"/>).</summary>
    public JournalRowKeyForm RowKeys { get; }

    /// <summary>Every shard of every account's journal: what a read across keys (a team, the sweep, a report) goes through, each on its own.</summary>
    public IEnumerable<(LedgerAccount Account, string Partition)> AcrossAccounts(GatewayTables tables) =>
        tables.Accounts.SelectMany(a => Partitions.Select(p => (a, p)));

    /// <summary>The partition a key's intents and settled rows go to (in the key's account's journal).</summary>
    public string PartitionFor(string keyId) => PartitionFor(keyId, _written);

    /// <summary>
    /// The partitions a key's rows may be in: the one they go to and, while a change of the count
    /// drains, the one the other count puts them in (when it differs). The first is where they go.
    /// </summary>
    public IReadOnlyList<string> PartitionsOf(string keyId)
    {
        var written = PartitionFor(keyId);
        return _alsoRead > 0 && PartitionFor(keyId, _alsoRead) is var other && other != written ? [written, other] : [written];
    }

    /// <summary>The partition a key's rows go to under a given count of shards.</summary>
    public static string PartitionFor(string keyId, int shards) => Name((int)(KeyHash.Of(keyId) % (uint)shards));

    private static string Name(int shard) => "j" + shard.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The row key a new row of this request gets, in the form this process writes.</summary>
    public string RowKeyFor(string keyId, string requestId) =>
        RowKeys == JournalRowKeyForm.Request ? requestId : KeyedRowKey(keyId, requestId);

    /// <summary>The key-prefixed row key of a request's row.</summary>
    public static string KeyedRowKey(string keyId, string requestId) => string.Concat([KeyedPrefix], keyId, [KeyEnd], requestId);

    /// <summary>The request id in a row key of either form.</summary>
    public static string RequestIdOf(string rowKey)
    {
        if (rowKey.Length > 0 && rowKey[0] == KeyedPrefix && rowKey.IndexOf(KeyEnd, StringComparison.Ordinal) is var end and > 0)
        {
            return rowKey[(end + 1)..];
        }

        return rowKey;
    }

    /// <summary>
    /// The filters that find one key's rows in its shard: the range of its key-prefixed row keys, and
    /// the rows of the older form (below the prefix) that name the key. Each pins the partition.
    /// </summary>
    public (string Keyed, string Older) KeyRowFilters(string keyId) => KeyRowFilters(keyId, PartitionFor(keyId));

    private static (string Keyed, string Older) KeyRowFilters(string keyId, string shard)
    {
        var partition = "PartitionKey eq " + TableKeys.Quote(shard);
        var from = string.Concat([KeyedPrefix], keyId, [KeyEnd]);
        var to = string.Concat([KeyedPrefix], keyId, [(char)(KeyEnd + 1)]);
        return ($"{partition} and RowKey ge {TableKeys.Quote(from)} and RowKey lt {TableKeys.Quote(to)}",
            $"{partition} and RowKey lt {TableKeys.Quote(KeyedPrefix.ToString())} and KeyId eq {TableKeys.Quote(keyId)}");
    }

    /// <summary>
    /// One key's journal rows (intents and settled rows not yet retired) that also match
    /// <paramref name="filter"/>, if given: the key's row-key range of its shard, and side by side with
    /// it the rows of the older form naming the key. Table Storage serves the range from its index, and
    /// the older form's query from the part of the shard below the prefix, empty once no silo writes it
    /// and its rows are retired. Key-prefixed rows first, then the older ones; no order within either.
    /// </summary>
    public async IAsyncEnumerable<TableEntity> KeyRowsAsync(TableClient journal, string keyId, string? filter, IEnumerable<string>? select = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var partitions = PartitionsOf(keyId);
        var (keyed, older) = KeyRowFilters(keyId, partitions[0]);
        var and = filter is null ? "" : " and " + filter;
        List<Task<List<TableEntity>>> others = [ReadAsync(journal, older + and, select, cancellationToken)];
        foreach (var other in partitions.Skip(1))
        {
            // While a change of the shard count drains: the key's rows under the other count too.
            var (otherKeyed, otherOlder) = KeyRowFilters(keyId, other);
            others.Add(ReadAsync(journal, otherKeyed + and, select, cancellationToken));
            others.Add(ReadAsync(journal, otherOlder + and, select, cancellationToken));
        }

        try
        {
            await foreach (var entity in journal.QueryAsync<TableEntity>(keyed + and, select: select, cancellationToken: cancellationToken))
            {
                yield return entity;
            }

            foreach (var rows in others)
            {
                foreach (var entity in await rows)
                {
                    yield return entity;
                }
            }
        }
        finally
        {
            // Read to the end, or abandoned: either way their failures, if any, are not left unobserved.
            foreach (var rows in others)
            {
                _ = rows.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    /// <summary>A request's row in its key's shard (or shards, while a change of the count drains), of either form (point reads side by side), or null.</summary>
    public async Task<TableEntity?> FindRowAsync(TableClient journal, string keyId, string requestId, CancellationToken cancellationToken)
    {
        var reads = PartitionsOf(keyId)
            .SelectMany(partition => new[] { KeyedRowKey(keyId, requestId), requestId }.Select(rowKey => journal.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken)))
            .ToList();
        await Task.WhenAll(reads);
        return reads.Select(r => r.Result).FirstOrDefault(r => r.HasValue)?.Value;
    }

    private static async Task<List<TableEntity>> ReadAsync(TableClient journal, string filter, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in journal.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken))
        {
            rows.Add(entity);
        }

        return rows;
    }
}
