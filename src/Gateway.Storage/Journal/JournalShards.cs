using Microsoft.Extensions.Options;

namespace Gateway.Storage.Journal;

/// <summary>
/// The journal's partitions and which key goes to which: a stable hash of the key id
/// (<see cref="KeyHash.Of"/>, so every process agrees), modulo <see cref="StorageOptions.JournalShards"/>.
/// Each account (<see cref="StorageOptions.LedgerAccounts"/>) has the same shards in its own journal table.
/// </summary>
public sealed class JournalShards
{
    public JournalShards(IOptions<StorageOptions> options)
    {
        Partitions = [.. Enumerable.Range(0, options.Value.JournalShards).Select(i => "j" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>Every partition of the journal.</summary>
    public IReadOnlyList<string> Partitions { get; }

    /// <summary>Every shard of every account's journal: what a read across keys (a team, the sweep, a report) goes through, each on its own.</summary>
    public IEnumerable<(LedgerAccount Account, string Partition)> AcrossAccounts(GatewayTables tables) =>
        tables.Accounts.SelectMany(a => Partitions.Select(p => (a, p)));

    /// <summary>The partition a key's intents and settled rows go to (in the key's account's journal).</summary>
    public string PartitionFor(string keyId)
    {
        return Partitions[(int)(KeyHash.Of(keyId) % (uint)Partitions.Count)];
    }
}
