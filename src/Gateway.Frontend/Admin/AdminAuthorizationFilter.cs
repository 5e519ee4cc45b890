using System.Text.Json;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Every admin route requires an admin key (Bearer) whose role the route allows; user keys never
/// open one. Every change, and every refused or failed attempt, is written to the admin audit trail.
/// </summary>
public sealed partial class AdminAuthorizationFilter(AdminKeyStore store, AdminAuditLog audit, TimeProvider time, ILogger<AdminAuthorizationFilter> logger) : IEndpointFilter
{
    private const string AdminItem = "gateway.admin";
    private const string ScopeItem = "gateway.admin.audit";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<AdminRequirement>() ?? new AdminRequirement(AdminRoles.Admin, "unknown", Mutates: true);
        var presented = PresentedCredentials.Bearer(http.Request) ?? "";
        var admin = presented.Length == 0 ? null : await store.FindAsync(presented, http.RequestAborted);
        if (admin is null)
        {
            var detail = presented.Length == 0 ? "This route needs an admin key: send 'Authorization: Bearer <admin key>'." : "The admin key is not valid or has been revoked.";
            await AuditAsync(http, requirement, null, new AdminAuditScope(), StatusCodes.Status401Unauthorized, detail);
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        if (!AdminRoles.Allows(admin.Role, requirement.Role))
        {
            var detail = $"This admin key has the role '{admin.Role}'; this route needs '{requirement.Role}'.";
            await AuditAsync(http, requirement, admin, new AdminAuditScope(), StatusCodes.Status403Forbidden, detail);
            return TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }

        var scope = new AdminAuditScope();
        http.Items[AdminItem] = admin;
        http.Items[ScopeItem] = scope;
        var result = await next(context);
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var status = inner is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        if (requirement.Mutates || status >= 400)
        {
            await AuditAsync(http, requirement, admin, scope, status, (inner as ProblemHttpResult)?.ProblemDetails.Detail);
        }

        return result;
    }

    public static AdminKeyRecord Caller(HttpContext context) => (AdminKeyRecord)context.Items[AdminItem]!;

    public static AdminAuditScope Scope(HttpContext context) => (AdminAuditScope)context.Items[ScopeItem]!;

    private async Task AuditAsync(HttpContext http, AdminRequirement requirement, AdminKeyRecord? admin, AdminAuditScope scope, int status, string? detail)
    {
        var entry = new AdminAuditEntry(time.GetUtcNow(), requirement.Action, admin?.Id, admin?.Name, scope.Target ?? RouteTarget(http),
            status < 400, status, detail, Json(scope.Before), Json(scope.After), http.Connection.RemoteIpAddress?.ToString());
        try
        {
            await audit.RecordAsync(entry, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogAuditFailed(logger, requirement.Action, status, ex.Message);
        }
    }

    private static string? RouteTarget(HttpContext http) =>
        http.Request.RouteValues.TryGetValue("keyId", out var keyId) ? keyId?.ToString()
        : http.Request.RouteValues.TryGetValue("id", out var id) ? id?.ToString()
        : null;

    private static string? Json(object? value) => value is null ? null : JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    [LoggerMessage(Level = LogLevel.Error, Message = "Admin action {Action} (status {Status}) could not be written to the admin audit trail ({Reason})")]
    private static partial void LogAuditFailed(ILogger logger, string action, int status, string reason);
}
