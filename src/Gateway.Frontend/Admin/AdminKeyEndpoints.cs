using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>Admin keys and the admin audit trail.</summary>
public static class AdminKeyEndpoints
{
    public const int MaxNameLength = 64;
    private const int DefaultAuditLimit = 50;
    private const int MaxAuditLimit = 1000;
    private const int MaxFilterLength = 256;

    public static RouteGroupBuilder MapAdminKeyApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/admin-keys", CreateAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "adminkey.create", Mutates: true));
        admin.MapPost("/admin-keys/{id}/revoke", RevokeAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "adminkey.revoke", Mutates: true));
        admin.MapGet("/admin-audit", ListAuditAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "adminaudit.read", Mutates: false));
        return admin;
    }

    private static async Task<Results<Created<AdminKeyResponse>, ProblemHttpResult>> CreateAsync(HttpContext context, AdminKeyStore store, TimeProvider time)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateAdminKeyRequest>(context, """{"name": "ci-bot", "role": "auditor"}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        var badName = request.Name is null ? $"name is required: 1 to {MaxNameLength} characters." : AdminText.Check("name", request.Name, MaxNameLength);
        if (badName is not null)
        {
            return AdminProblems.BadRequest(badName);
        }

        if (!AdminRoles.IsKnown(request.Role))
        {
            return AdminProblems.BadRequest($"role must be one of: {string.Join(", ", AdminRoles.All)}.");
        }

        var (record, key) = await store.CreateAsync(request.Name!, request.Role!, time.GetUtcNow(), context.RequestAborted);
        var response = AdminKeyResponse.From(record);
        var scope = AdminAuthorizationFilter.Scope(context);
        scope.Target = record.Id;
        scope.After = response;
        return TypedResults.Created($"/admin/v1/admin-keys/{record.Id}", response with { Key = key });
    }

    private static async Task<Results<Ok<AdminKeyResponse>, ProblemHttpResult>> RevokeAsync(string id, HttpContext context, AdminKeyStore store)
    {
        var record = await store.RevokeAsync(id, context.RequestAborted);
        if (record is null)
        {
            return AdminProblems.NotFound($"No admin key with id '{AdminText.Echo(id)}'.");
        }

        var response = AdminKeyResponse.From(record);
        AdminAuthorizationFilter.Scope(context).After = response;
        return TypedResults.Ok(response);
    }

    /// <summary>
    /// A page of the admin audit, newest first, filtered by actor (admin key id), action, target and
    /// time range. Reads one partition, and within it only the row-key range of the time range.
    /// </summary>
    private static async Task<Results<Ok<AdminAuditPage>, ProblemHttpResult>> ListAuditAsync(
        HttpContext context, AdminAuditLog audit, int? limit, string? cursor, string? actor, string? action, string? target, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (limit is < 1 or > MaxAuditLimit)
        {
            return AdminProblems.BadRequest($"limit must be between 1 and {MaxAuditLimit}.");
        }

        if (cursor is not null && !AdminAuditLog.IsRowKey(cursor))
        {
            return AdminProblems.BadRequest("cursor must be a nextCursor value from a previous page, unchanged.");
        }

        foreach (var (name, value) in new[] { ("actor", actor), ("action", action), ("target", target) })
        {
            if (value is not null && (value.Length is 0 or > MaxFilterLength || AdminText.HasForbiddenCharacter(value)))
            {
                return AdminProblems.BadRequest($"{name} is 1 to {MaxFilterLength} characters without control characters, matched exactly.");
            }
        }

        if (from is { } f && to is { } t && f >= t)
        {
            return AdminProblems.BadRequest("from must be before to (from is included, to is not).");
        }

        var page = await audit.QueryAsync(new AdminAuditQuery(limit ?? DefaultAuditLimit, cursor, actor, action, target, from, to), context.RequestAborted);
        return TypedResults.Ok(new AdminAuditPage(page.Entries.Select(AdminAuditItem.From).ToList(), page.NextCursor));
    }
}
