namespace Gateway.Frontend.Admin;

/// <summary>
/// One silo of the membership table. The runtime figures (activations, clients, CPU in percent,
/// memory in bytes) are null for a silo that is not active or did not answer in time.
/// </summary>
public sealed record SiloReport(string Address, string? Name, string? HostName, string Status, DateTimeOffset StartedAt, DateTimeOffset LastAliveAt,
    int? Activations, int? RecentlyUsedActivations, long? Clients, float? CpuPercent, long? MemoryBytes);
