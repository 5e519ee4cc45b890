using Gateway.Frontend.Console;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Storage.Journal;
using Gateway.Storage.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Admin;

/// <summary>
/// The cluster as the console's cluster page shows it: the silos with their activations (Orleans'
/// management grain), the journal's backlog, and Table Storage latency.
/// </summary>
public static class ClusterEndpoints
{
    /// <summary>Each question to the cluster or storage gets this long: a page polled every 2 s must not hang on a dead silo.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/cluster", ClusterAsync).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "cluster.read", Mutates: false));
        return admin;
    }

    private static async Task<Results<Ok<ClusterReport>, ProblemHttpResult>> ClusterAsync(
        IGrainFactory grains, JournalBacklog journal, StorageLatencyWindow latency, GatewayTables tables, IOptions<ConsoleOptions> console, TimeProvider time, CancellationToken cancellationToken)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        MembershipEntry[] hosts;
        try
        {
            hosts = await management.GetDetailedHosts(onlyActive: false).WaitAsync(Deadline, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Problem($"The cluster did not answer: {ex.GetType().Name}.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Cluster unavailable");
        }

        var silos = await SilosAsync(management, hosts, cancellationToken);
        var backlog = await journal.ReadAsync(cancellationToken);
        var probe = await ProbeAsync(tables, cancellationToken);
        var dashboard = console.Value.Dashboard ? ConsoleDashboard.Path : null;
        return TypedResults.Ok(new ClusterReport(time.GetUtcNow(), silos, silos.Sum(s => s.Activations ?? 0), backlog, latency.Read(), probe, dashboard));
    }

    /// <summary>Every silo the membership table holds (dead ones last), with the runtime figures of those that are active.</summary>
    private static async Task<IReadOnlyList<SiloReport>> SilosAsync(IManagementGrain management, MembershipEntry[] hosts, CancellationToken cancellationToken)
    {
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var statistics = new Dictionary<SiloAddress, SiloRuntimeStatistics>();
        if (active.Length > 0)
        {
            try
            {
                var answers = await management.GetRuntimeStatistics(active).WaitAsync(Deadline, cancellationToken);
                for (var i = 0; i < active.Length && i < answers.Length; i++)
                {
                    statistics[active[i]] = answers[i];
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A silo that stopped answering since the membership read: its row shows no figures.
            }
        }

        return [.. hosts
            .OrderBy(h => h.Status == SiloStatus.Active ? 0 : h.Status == SiloStatus.Dead ? 2 : 1)
            .ThenBy(h => h.StartTime)
            .Select(h =>
            {
                statistics.TryGetValue(h.SiloAddress, out var s);
                return new SiloReport(h.SiloAddress.ToParsableString(), h.SiloName, h.HostName, h.Status.ToString(),
                    new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)), new DateTimeOffset(DateTime.SpecifyKind(h.IAmAliveTime, DateTimeKind.Utc)),
                    s?.ActivationCount, s?.RecentlyUsedActivationCount, s?.ClientCount, s?.EnvironmentStatistics.FilteredCpuUsagePercentage, s?.EnvironmentStatistics.FilteredMemoryUsageBytes);
            })];
    }

    /// <summary>One storage round trip to each account timed now: the latency of this moment, even before the window has samples.</summary>
    private static async Task<StorageProbe> ProbeAsync(GatewayTables tables, CancellationToken cancellationToken)
    {
        var accounts = await tables.TimeAccountsAsync(Deadline, cancellationToken);
        return new StorageProbe(accounts.All(a => a.Reachable), accounts.Max(a => a.Milliseconds), accounts);
    }
}
