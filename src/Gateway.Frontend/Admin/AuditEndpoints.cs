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
        admin.MapGet("/audit/verify", VerifyAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "audit.verify", Mutates: false));
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

    /// <summary>
    /// Verifies hash chains: one key's, a user's keys', or (<c>all</c>) every key found in the ledger
    /// and the admin audit chain; <c>admin</c> alone checks only the admin audit chain. Each key's
    /// chain is checked against the head its grain holds, so a missing tail shows as truncated.
    /// </summary>
    private static async Task<Results<Ok<AuditVerifyReport>, ProblemHttpResult>> VerifyAsync(
        IGrainFactory grains, AuditLedger ledger, AdminAuditLog adminAudit, AuditChainKey chainKey,
        string? keyId, string? userId, bool? all, bool? admin, CancellationToken cancellationToken)
    {
        if (new[] { keyId is not null, userId is not null, all == true, admin == true }.Count(given => given) != 1)
        {
            return AdminProblems.BadRequest("Give exactly one of keyId, userId, all=true or admin=true.");
        }

        IReadOnlyList<string> keyIds = [];
        if (keyId is not null)
        {
            if (!ApiKeyFormat.IsValidKeyId(keyId) || await grains.GetGrain<IApiKeyGrain>(keyId).GetSnapshot() is null)
            {
                return AdminProblems.NotFound($"No key with id '{AdminText.Echo(keyId)}'.");
            }

            keyIds = [keyId];
        }
        else if (userId is not null)
        {
            if (!EntityId.TryNormalize(userId, out var normalized) || await grains.GetGrain<IUserGrain>(normalized).Get() is not { } user)
            {
                return AdminProblems.NotFound($"No user with id '{AdminText.Echo(userId)}'.");
            }

            keyIds = user.KeyIds;
        }
        else if (all == true)
        {
            // A scan of the ledger table's partition keys: an auditor's request on the admin path, never the proxy's.
            keyIds = await ledger.ScanKeyIdsAsync(cancellationToken);
        }

        var results = new List<ChainReport>(keyIds.Count + 1);
        foreach (var id in keyIds)
        {
            // The head first, then the rows: rows committed in between are past the head and still verify.
            var head = await grains.GetGrain<IApiKeyGrain>(id).GetChainHead();
            results.Add(ChainReport.From(await ledger.VerifyChainAsync(id, head, cancellationToken), id));
        }

        if (all == true || admin == true)
        {
            results.Add(ChainReport.From(await adminAudit.VerifyChainAsync(cancellationToken), null));
        }

        var broken = results.Count(r => !r.Ok);
        return TypedResults.Ok(new AuditVerifyReport(broken == 0, results.Count, broken, chainKey.Fingerprint, results));
    }
}
