using Gateway.Core;
using Gateway.Storage.Admin;
using Gateway.Storage.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Spend per user, team, model or key for a range of whole UTC hours, from the per-hour usage
/// rollups (<see cref="UsageRollups"/>) plus the settled rows not yet rolled up (still in the
/// journal): equal to the ledger to the micro-dollar, without reading the ledger. Grouped by
/// <c>hour</c>, a row per UTC hour that had requests (<c>2025-06-01T13:00:00Z</c>), oldest first:
/// the console's spend and requests over time.
/// </summary>
public static class UsageEndpoints
{
    private static readonly string[] Groupings = ["user", "team", "model", "key", "hour"];

    public static RouteGroupBuilder MapUsageApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/usage", UsageAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "usage.read", Mutates: false));
        return admin;
    }

    private static async Task<Results<Ok<UsageReport>, ProblemHttpResult>> UsageAsync(
        IGrainFactory grains, UsageRollups rollups, AuditLedger ledger, TimeProvider time, string? groupBy, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        groupBy = (groupBy ?? "user").ToLowerInvariant();
        if (!Groupings.Contains(groupBy))
        {
            return AdminProblems.BadRequest($"groupBy must be one of {string.Join(", ", Groupings)}.");
        }

        // Default range: the current UTC month so far. Rollups are per hour: the range widens to whole hours.
        var now = time.GetUtcNow();
        var start = UsageRollups.HourOf(from ?? BudgetPeriods.StartOf(BudgetPeriod.Monthly, now));
        var requestedEnd = to ?? now;
        var end = UsageRollups.HourOf(requestedEnd) == requestedEnd ? requestedEnd : UsageRollups.HourOf(requestedEnd).AddHours(1);
        if (from is { } f && to is { } t && f >= t)
        {
            return AdminProblems.BadRequest("from must be before to.");
        }

        var entries = new List<UsageEntry>();
        var rolledUp = new Dictionary<(string KeyId, string RowKey), long>();
        await foreach (var rollup in rollups.ReadAsync(start, end, cancellationToken))
        {
            rolledUp[(rollup.KeyId, rollup.RowKey)] = rollup.LastSequence;
            entries.Add(new(rollup.Hour, rollup.KeyId, rollup.UserId, rollup.TeamId, rollup.Model, rollup.Requests, rollup.Denied, rollup.InputTokens, rollup.OutputTokens, rollup.CostMicros,
                new(rollup.CachedInputTokens, rollup.CacheWrite5mTokens, rollup.CacheWrite1hTokens, rollup.ReasoningTokens)));
        }

        // Rows settled but not yet copied (so not yet in a rollup): each counted unless its rollup is past it.
        await foreach (var row in ledger.JournalRowsAsync(start, end, cancellationToken))
        {
            if (rolledUp.TryGetValue((row.KeyId, UsageRollups.RowKey(row)), out var last) && row.Sequence <= last)
            {
                continue;
            }

            var denied = row.Outcome == "denied";
            entries.Add(new(UsageRollups.HourOf(row.RecordedAt), row.KeyId, row.UserId, row.TeamId, row.Model, denied ? 0 : 1, denied ? row.Count : 0, row.InputTokens, row.OutputTokens, row.CostMicros,
                new(row.CachedInputTokens, row.CacheWrite5mTokens, row.CacheWrite1hTokens, row.ReasoningTokens)));
        }

        // A request counts for the team whose budget held it (the row says which); rows without one
        // (refusals, and rows from before team budgets) count for the user's current team.
        var teams = new Dictionary<string, string>(StringComparer.Ordinal);
        if (groupBy == "team")
        {
            foreach (var userId in entries.Where(e => e.TeamId is null).Select(e => e.UserId).Distinct(StringComparer.Ordinal))
            {
                teams[userId] = (await grains.GetGrain<IUserGrain>(userId).Get())?.TeamId ?? "(no team)";
            }
        }

        var grouped = entries
            .GroupBy(e => groupBy switch
            {
                "team" => e.TeamId ?? teams[e.UserId],
                "model" => e.Model,
                "key" => e.KeyId,
                "hour" => e.Hour.ToString("yyyy-MM-dd'T'HH':00:00Z'", System.Globalization.CultureInfo.InvariantCulture),
                _ => e.UserId,
            })
            .Select(g =>
            {
                var cost = g.Sum(e => e.CostMicros);
                return new UsageRow(g.Key, g.Sum(e => e.Requests), g.Sum(e => e.Denied), g.Sum(e => e.InputTokens), g.Sum(e => e.OutputTokens), cost, Money.ToUsd(cost),
                    g.Sum(e => e.Kinds.CachedInput), g.Sum(e => e.Kinds.CacheWrite5m), g.Sum(e => e.Kinds.CacheWrite1h), g.Sum(e => e.Kinds.Reasoning));
            })
            .Where(r => r.Requests + r.Denied > 0)
            .ToList();
        // Hours read as a time line, oldest first; every other grouping biggest spender first.
        grouped = groupBy == "hour"
            ? [.. grouped.OrderBy(r => r.Group, StringComparer.Ordinal)]
            : [.. grouped.OrderByDescending(r => r.CostMicros).ThenBy(r => r.Group, StringComparer.Ordinal)];
        var total = grouped.Sum(r => r.CostMicros);
        return TypedResults.Ok(new UsageReport(groupBy, start, end, grouped, total, Money.ToUsd(total)));
    }

    private sealed record UsageEntry(DateTimeOffset Hour, string KeyId, string UserId, string? TeamId, string Model, long Requests, long Denied, long InputTokens, long OutputTokens, long CostMicros,
        TokenKinds Kinds);

    /// <summary>The parts of the input read from and written to the provider's cache, and of the output spent reasoning.</summary>
    private sealed record TokenKinds(long CachedInput, long CacheWrite5m, long CacheWrite1h, long Reasoning);
}
