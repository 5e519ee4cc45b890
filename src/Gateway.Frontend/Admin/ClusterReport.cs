using Gateway.Storage.Journal;
using Gateway.Storage.Metrics;

namespace Gateway.Frontend.Admin;

/// <summary>
/// <c>GET /admin/v1/cluster</c>: the silos, the activations they hold, the journal's backlog, this
/// front-end's storage latency and a probe, and where the Orleans Dashboard is (null when it is off).
/// </summary>
public sealed record ClusterReport(DateTimeOffset At, IReadOnlyList<SiloReport> Silos, long Activations, JournalBacklogReport Journal,
    StorageLatencySummary Storage, StorageProbe Probe, string? Dashboard);
