using Microsoft.Extensions.Options;

namespace Gateway.Storage.Journal;

/// <summary>
/// The journal's partitions and which key goes to which: a stable hash of the key id (FNV-1a, so
/// every process agrees), modulo <see cref="StorageOptions.JournalShards"/>.
/// </summary>
public sealed class JournalShards
{
    public JournalShards(IOptions<StorageOptions> options)
    {
        Partitions = [.. Enumerable.Range(0, options.Value.JournalShards).Select(i => "j" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>Every partition of the journal.</summary>
    public IReadOnlyList<string> Partitions { get; }

    /// <summary>The partition a key's intents and settled rows go to.</summary>
    public string PartitionFor(string keyId)
    {
        var hash = 2166136261u;
        foreach (var c in keyId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return Partitions[(int)(hash % (uint)Partitions.Count)];
    }
}
