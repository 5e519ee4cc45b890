namespace Gateway.Benchmarks;

/// <summary>
/// What the proxy process spent on a measured phase: CPU time (user + system, every thread), its peak
/// resident memory, and, for the gateway, its storage traffic and the CPU time Azurite spent serving
/// it (when the benchmark started Azurite, so it knows its process).
/// </summary>
/// <param name="PeakIsLifetime">True when the peak could not be reset before the phase, so it is the process's peak so far.</param>
/// <param name="Runtime">What the JIT compiled during the phase (ideally nothing, the process being warm), and what was allocated and collected.</param>
internal sealed record ProxyUsage(TimeSpan Cpu, long PeakBytes, bool PeakIsLifetime, StorageCount? Storage, TimeSpan? StorageCpu = null, RuntimeCount? Runtime = null);
