using Gateway.Core;
using Gateway.Core.Ids;
using Gateway.Core.Keys;
using Gateway.Storage.Admin;
using Gateway.Storage.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>"Who did this, when, at what cost": the request audit ledger by key or by user, over a time range.</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", QueryAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "audit.read", Mutates: false));
        return admin;
    }

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> QueryAsync(
        IGrainFactory grains, AuditLedger ledger, string? keyId, string? userId, DateTimeOffset? from, DateTimeOffset? to, int? limit, CancellationToken cancellationToken)
    {
        if ((keyId is null) == (userId is null))
        {
            return AdminProblems.BadRequest("Give exactly one of keyId or userId.");
        }

        if (limit is < 1 or > 1000)
        {
            return AdminProblems.BadRequest("limit must be between 1 and 1000.");
        }

        if (from is { } f && to is { } t && f >= t)
        {
            return AdminProblems.BadRequest("from must be before to.");
        }

        IReadOnlyList<string> keyIds;
        if (keyId is not null)
        {
            if (!ApiKeyFormat.IsValidKeyId(keyId) || await grains.GetGrain<IApiKeyGrain>(keyId).GetSnapshot() is null)
            {
                return AdminProblems.NotFound($"No key with id '{AdminText.Echo(keyId)}'.");
            }

            keyIds = [keyId];
        }
        else if (EntityId.TryNormalize(userId, out var normalized) && await grains.GetGrain<IUserGrain>(normalized).Get() is { } user)
        {
            keyIds = user.KeyIds;
        }
        else
        {
            return AdminProblems.NotFound($"No user with id '{AdminText.Echo(userId)}'.");
        }

        // Each key is one partition: the query touches only the partitions of the keys asked about.
        var rows = new List<AuditRecord>();
        foreach (var id in keyIds)
        {
            await foreach (var row in ledger.QueryAsync(id, from, to, cancellationToken))
            {
                rows.Add(row);
            }
        }

        var total = rows.Sum(r => r.CostMicros);
        var items = rows.OrderByDescending(r => r.RecordedAt).ThenByDescending(r => r.Sequence).Take(limit ?? 100).Select(AuditItem.From).ToList();
        return TypedResults.Ok(new AuditPage(items, total, Money.ToUsd(total), rows.Count));
    }
}
