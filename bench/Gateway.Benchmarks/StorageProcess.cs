using System.Diagnostics;
using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>
/// The Azurite process the benchmark's storage runs in, when <c>bench.sh</c> started it (it passes the
/// pid in <c>BENCH_AZURITE_PID</c>): its CPU time, so each scenario can say what storage spent per
/// response on the same two cores as the gateway. Null when storage is someone else's.
/// </summary>
internal static class StorageProcess
{
    private static readonly int? Pid =
        int.TryParse(Environment.GetEnvironmentVariable("BENCH_AZURITE_PID"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    /// <summary>Azurite's CPU time (user + system) so far, or null when it is not known or has gone.</summary>
    public static TimeSpan? CpuTime
    {
        get
        {
            if (Pid is not { } pid)
            {
                return null;
            }

            try
            {
                using var process = Process.GetProcessById(pid);
                return process.TotalProcessorTime;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }
}
