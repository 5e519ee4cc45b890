namespace Gateway.Cli.Api;

/// <summary>GET /admin/v1/cluster: the silos, the journal's backlog, the answering front-end's storage latency and a probe of every account.</summary>
internal sealed record ClusterStatus(DateTimeOffset At, IReadOnlyList<SiloStatus> Silos, long Activations, JournalBacklog Journal,
    StorageLatency Storage, StorageProbe Probe, string? Dashboard);

internal sealed record SiloStatus(string Address, string? Name, string? HostName, string Status, DateTimeOffset StartedAt, DateTimeOffset LastAliveAt,
    int? Activations, int? RecentlyUsedActivations, long? Clients, float? CpuPercent, long? MemoryBytes);

internal sealed record JournalBacklog(long Intents, DateTimeOffset? OldestIntentAt, long Settled, DateTimeOffset? OldestSettledAt, int Partitions,
    int Shards = 0, int? ShardsAlsoRead = null, long? UnderOtherCount = null);

internal sealed record StorageLatency(double WindowSeconds, DateTimeOffset Since, int Calls, int Failures, double? P50Ms, double? P95Ms, double? MaxMs);

internal sealed record StorageProbe(bool Reachable, double Milliseconds, IReadOnlyList<AccountProbe>? Accounts);

internal sealed record AccountProbe(string Holds, string Account, bool Reachable, double Milliseconds);
