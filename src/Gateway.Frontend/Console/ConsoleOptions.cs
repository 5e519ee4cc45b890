namespace Gateway.Frontend.Console;

/// <summary>The operator console's sign-in (<c>Gateway:Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Gateway:Console";

    /// <summary>
    /// How long a console session lasts from sign-in. A working day: long enough not to interrupt an
    /// incident, short enough that a cookie left on a shared laptop dies by the next morning.
    /// </summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Whether the Orleans Dashboard is served under <c>/console/dashboard</c> (admins only). Read by
    /// every process of the fleet, silos included: the dashboard's grains and its grain-call
    /// profiler run on the silos, and a front-end can only show it when they do. Off, no silo
    /// profiles grain calls. Off by default: its profiler times every grain call on every silo, which
    /// measured 0.07 to 0.1 ms of CPU per proxied request (about 15%) and 90 MiB more resident
    /// (docs/benchmark.md). <c>./run.sh</c> turns it on for local runs.
    /// </summary>
    public bool Dashboard { get; set; }
}
