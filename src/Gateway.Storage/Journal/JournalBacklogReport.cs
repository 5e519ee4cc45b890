namespace Gateway.Storage.Journal;

/// <summary>
/// The journal's rows at one moment: <see cref="Intents"/> open (reserved, not settled) and
/// <see cref="Settled"/> rows waiting to be copied into their keys' ledger partitions and retired,
/// with the oldest of each, over <see cref="Partitions"/> shards (every account's). While the shard
/// count changes (<see cref="ShardsAlsoRead"/> set), <see cref="UnderOtherCount"/> counts the rows
/// not in their key's partition under <see cref="Shards"/>: the change's last rollout waits for 0.
/// </summary>
public sealed record JournalBacklogReport(long Intents, DateTimeOffset? OldestIntentAt, long Settled, DateTimeOffset? OldestSettledAt, int Partitions,
    int Shards, int? ShardsAlsoRead, long? UnderOtherCount);
