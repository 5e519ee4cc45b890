using System.Text.Json;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>Admin keys and the admin audit trail.</summary>
public static class AdminKeyEndpoints
{
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

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64)
        {
            return AdminProblems.BadRequest("name is required: 1 to 64 characters.");
        }

        if (!AdminRoles.IsKnown(request.Role))
        {
            return AdminProblems.BadRequest($"role must be one of: {string.Join(", ", AdminRoles.All)}.");
        }

        var (record, key) = await store.CreateAsync(request.Name, request.Role!, time.GetUtcNow(), context.RequestAborted);
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
            return AdminProblems.NotFound($"No admin key with id '{id}'.");
        }

        var response = AdminKeyResponse.From(record);
        AdminAuthorizationFilter.Scope(context).After = response;
        return TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<AdminAuditPage>, ProblemHttpResult>> ListAuditAsync(HttpContext context, AdminAuditLog audit, int? limit)
    {
        if (limit is < 1 or > 1000)
        {
            return AdminProblems.BadRequest("limit must be between 1 and 1000.");
        }

        var entries = await audit.ListAsync(limit ?? 50, context.RequestAborted);
        return TypedResults.Ok(new AdminAuditPage(entries.Select(AdminAuditItem.From).ToList()));
    }
}
