namespace Gateway.Storage;

/// <summary>
/// Where a key's rows live, from its id alone, so every process agrees without asking anyone: a
/// stable FNV-1a hash of the key id picks its journal shard (<see cref="Journal.JournalShards"/>),
/// and the same hash, bit-mixed, picks its storage account (<see cref="GatewayTables.AccountFor"/>).
/// </summary>
public static class KeyHash
{
    /// <summary>FNV-1a over the key id's UTF-16 code units.</summary>
    public static uint Of(string keyId)
    {
        var hash = 2166136261u;
        foreach (var c in keyId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary>
    /// The index of the account a key's rows go to, of <paramref name="accounts"/>. The hash goes
    /// through MurmurHash3's finalizer first: taken modulo both counts as it is, the shard and the
    /// account would move together (with two of each, account 0 would only ever see shard 0), so
    /// every account's journal would use only some of its shards.
    /// </summary>
    public static int Account(string keyId, int accounts)
    {
        var h = Of(keyId);
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        h ^= h >> 16;
        return (int)(h % (uint)accounts);
    }
}
