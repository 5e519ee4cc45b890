using Gateway.Core;
using Gateway.Storage.Admin;
using Gateway.Storage.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>Spend per user, team, model or key for a time range, computed from the audit ledger.</summary>
public static class UsageEndpoints
{
    private static readonly string[] Groupings = ["user", "team", "model", "key"];

    public static RouteGroupBuilder MapUsageApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/usage", UsageAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "usage.read", Mutates: false));
        return admin;
    }

    private static async Task<Results<Ok<UsageReport>, ProblemHttpResult>> UsageAsync(
        IGrainFactory grains, AuditLedger ledger, TimeProvider time, string? groupBy, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        groupBy = (groupBy ?? "user").ToLowerInvariant();
        if (!Groupings.Contains(groupBy))
        {
            return AdminProblems.BadRequest($"groupBy must be one of {string.Join(", ", Groupings)}.");
        }

        // Default range: the current UTC month so far.
        var now = time.GetUtcNow();
        var start = from ?? BudgetPeriods.StartOf(BudgetPeriod.Monthly, now);
        var end = to ?? now.AddSeconds(1);
        if (start >= end)
        {
            return AdminProblems.BadRequest("from must be before to.");
        }

        var rows = new List<AuditRecord>();
        await foreach (var row in ledger.ScanAsync(start, end, cancellationToken))
        {
            rows.Add(row);
        }

        // A request counts for the team whose budget held it (the row says which); rows without one
        // (refusals, and rows from before team budgets) count for the user's current team.
        var teams = new Dictionary<string, string>(StringComparer.Ordinal);
        if (groupBy == "team")
        {
            foreach (var userId in rows.Where(r => r.TeamId is null).Select(r => r.UserId).Distinct(StringComparer.Ordinal))
            {
                teams[userId] = (await grains.GetGrain<IUserGrain>(userId).Get())?.TeamId ?? "(no team)";
            }
        }

        var grouped = rows
            .GroupBy(r => groupBy switch
            {
                "team" => r.TeamId ?? teams[r.UserId],
                "model" => r.Model,
                "key" => r.KeyId,
                _ => r.UserId,
            })
            .Select(g =>
            {
                var cost = g.Sum(r => r.CostMicros);
                return new UsageRow(g.Key, g.Count(r => r.Outcome != "denied"), g.Where(r => r.Outcome == "denied").Sum(r => r.Count),
                    g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens), cost, Money.ToUsd(cost));
            })
            .OrderByDescending(r => r.CostMicros).ThenBy(r => r.Group, StringComparer.Ordinal)
            .ToList();
        var total = grouped.Sum(r => r.CostMicros);
        return TypedResults.Ok(new UsageReport(groupBy, start, end, grouped, total, Money.ToUsd(total)));
    }
}
