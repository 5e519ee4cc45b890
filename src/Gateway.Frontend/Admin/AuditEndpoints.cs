using Gateway.Core.Ids;
using Gateway.Core.Keys;
using Gateway.Storage.Admin;
using Gateway.Storage.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Admin;

/// <summary>"Who did this, when, at what cost": the request audit ledger by key, user or team, filtered and paged; and the chains' verification.</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", QueryAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "audit.read", Mutates: false));
        admin.MapGet("/audit/verify", VerifyAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "audit.verify", Mutates: false));
        return admin;
    }

    /// <summary>
    /// One page of audited requests, oldest first. A key, user or team query reads only the partitions
    /// of the keys concerned (from the directory grains), each from its position in the continuation
    /// token on, and merges them in time order; <c>all=true</c> is the unscoped report, a scan of the
    /// ledger table in key order that pages the same way. Scope and filters come from the request on
    /// every page; the token only says where to start (docs/audit-queries.md).
    /// </summary>
    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> QueryAsync(
        IGrainFactory grains, LedgerPager pager, AuditContinuation continuations, IOptions<AuditQueryOptions> options,
        [AsParameters] AuditQueryParameters parameters, CancellationToken cancellationToken)
    {
        // 1. Check the parameters.
        var (query, invalid) = AuditQuery.Parse(parameters);
        if (query is null)
        {
            return AdminProblems.BadRequest(invalid!);
        }

        // 2. The keys whose partitions are read, through the directory; none to name for the unscoped report.
        IReadOnlyList<string> keyIds = [];
        if (!query.Scope.IsUnscoped)
        {
            var (resolved, problem) = await query.Scope.ResolveAsync(grains, options.Value.MaxKeys);
            if (resolved is null)
            {
                return problem!;
            }

            keyIds = resolved;
        }

        // 3. Where this page starts: a token counts only for the query that gave it out.
        var fingerprint = query.Fingerprint();
        IReadOnlyList<LedgerPosition> after = [];
        if (query.Continuation is { } token)
        {
            var decoded = continuations.Decode(token, fingerprint);
            if (decoded is null || (query.Scope.IsUnscoped && decoded.Count != 1))
            {
                return AdminProblems.BadRequest(AuditQuery.InvalidContinuation);
            }

            after = decoded;
        }

        // 4. The page, and where the next one starts.
        var page = query.Scope.IsUnscoped
            ? await pager.ScanAsync(after.Count == 1 ? after[0] : null, query.Filter, query.Limit, cancellationToken)
            : await pager.ReadKeysAsync(keyIds, after.ToDictionary(p => p.KeyId, p => p.Sequence, StringComparer.Ordinal), query.Filter, query.Limit, options.Value.ParallelReads, cancellationToken);
        var next = page.More ? continuations.Encode(fingerprint, page.Positions) : null;
        return TypedResults.Ok(new AuditPage([.. page.Rows.Select(AuditItem.From)], next));
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
