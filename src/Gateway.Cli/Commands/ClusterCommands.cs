using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>cluster</c> command: what the console's cluster page shows, for a terminal or a script's health check.</summary>
internal static class ClusterCommands
{
    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cluster = new Command("cluster", "Show the cluster: silos and their activations, the journal's backlog, storage latency and every storage account's reachability.");
        var status = new Command("status",
            "Show the cluster's state. Exits 4 when a storage account did not answer or no silo is active, so a script can use it as a check.");
        status.SetAction((parseResult, cancellationToken) => context.RunAsync(
            parseResult,
            (api, ct) => api.GetAsync("cluster", CliJsonContext.Default.ClusterStatus, ct),
            Render,
            report => Healthy(report) ? ExitCodes.Success : ExitCodes.CheckFailed,
            cancellationToken));
        cluster.Subcommands.Add(status);
        return cluster;
    }

    /// <summary>Every storage account answered, and at least one silo is active.</summary>
    private static bool Healthy(ClusterStatus report) =>
        report.Probe.Reachable && report.Silos.Any(s => s.Status == "Active");

    private static void Render(ClusterStatus report, TextWriter output)
    {
        var active = report.Silos.Count(s => s.Status == "Active");
        output.WriteLine(TerminalText.Clean(
            $"Cluster at {DisplayFormat.Timestamp(report.At)}: {active} of {report.Silos.Count} silos active, {DisplayFormat.Count(report.Activations)} activations"));
        var silos = new Table("SILO", "HOST", "STATUS", "STARTED", "LAST ALIVE", "ACTIVATIONS", "CLIENTS", "CPU", "MEMORY");
        foreach (var s in report.Silos)
        {
            silos.AddRow(s.Address, s.HostName ?? DisplayFormat.None, s.Status, DisplayFormat.Timestamp(s.StartedAt), DisplayFormat.Timestamp(s.LastAliveAt),
                s.Activations is { } a ? DisplayFormat.Count(a) : DisplayFormat.None,
                s.Clients is { } c ? DisplayFormat.Count(c) : DisplayFormat.None,
                s.CpuPercent is { } cpu ? cpu.ToString("0.0", CultureInfo.InvariantCulture) + " %" : DisplayFormat.None,
                s.MemoryBytes is { } bytes ? (bytes / (1024.0 * 1024)).ToString("0", CultureInfo.InvariantCulture) + " MiB" : DisplayFormat.None);
        }

        silos.WriteTo(output);
        output.WriteLine();

        var j = report.Journal;
        var latency = report.Storage;
        var journal = new KeyValueList()
            .Add("Open intents", Backlog(j.Intents, j.OldestIntentAt, report.At))
            .Add("Settled, not yet in the ledger", Backlog(j.Settled, j.OldestSettledAt, report.At))
            .Add("Journal partitions read", DisplayFormat.Count(j.Partitions));
        if (j.ShardsAlsoRead is { } alsoRead && j.UnderOtherCount is { } under)
        {
            // A change of the shard count in progress: its last rollout waits for this to reach 0.
            journal.Add("Shard count changing", $"written under {DisplayFormat.Count(j.Shards)}, also read under {DisplayFormat.Count(alsoRead)}: {DisplayFormat.Count(under)} rows not yet in their key's partition under {DisplayFormat.Count(j.Shards)}");
        }

        journal
            .Add($"Storage calls, last {latency.WindowSeconds.ToString("0", CultureInfo.InvariantCulture)} s",
                $"{DisplayFormat.Count(latency.Calls)} ({DisplayFormat.Count(latency.Failures)} failed): p50 {Ms(latency.P50Ms)}, p95 {Ms(latency.P95Ms)}, max {Ms(latency.MaxMs)} (the answering front-end's own)")
            .WriteTo(output);
        output.WriteLine();

        var accounts = new Table("STORAGE", "ACCOUNT", "REACHABLE", "ROUND TRIP");
        foreach (var a in report.Probe.Accounts ?? [new AccountProbe("main", DisplayFormat.None, report.Probe.Reachable, report.Probe.Milliseconds)])
        {
            accounts.AddRow(a.Holds, a.Account, a.Reachable ? "yes" : "NO", Ms(a.Milliseconds));
        }

        accounts.WriteTo(output);
    }

    private static string Ms(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : DisplayFormat.None;

    /// <summary>How many rows wait, and how long the oldest has: a backlog that keeps ageing is a copier that stopped or a sweep that has not come.</summary>
    private static string Backlog(long count, DateTimeOffset? oldest, DateTimeOffset now) => count > 0 && oldest is { } t
        ? $"{DisplayFormat.Count(count)} (oldest {Math.Max(0, (now - t).TotalSeconds).ToString("0", CultureInfo.InvariantCulture)} s ago)"
        : DisplayFormat.Count(count);
}
