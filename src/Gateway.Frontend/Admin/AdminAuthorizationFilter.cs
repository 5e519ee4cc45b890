using System.Globalization;
using System.Text.Json;
using Gateway.Frontend.Console;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Every admin route requires an admin key (Bearer) whose role the route allows; user keys never
/// open one. Every change, and every refused or failed attempt, is written to the admin audit trail.
/// A route that changes anything first writes a pending row (who, what, on what, from where); only
/// once that row is durable does the change run, and the same row is then completed with the
/// outcome and the values before and after. If the pending row cannot be written the call is
/// refused with 503 and nothing changes: no admin change goes unaudited.
/// Failed authentications are counted per client address (<see cref="AdminAuthFailures"/>).
/// The operator console's session cookie authenticates like the admin key it was opened with; a
/// state-changing call made with it must echo the session's CSRF token (<see cref="ConsoleSessions"/>).
/// </summary>
public sealed partial class AdminAuthorizationFilter(
    AdminKeyStore store,
    AdminAuditLog audit,
    AdminAuthFailures failures,
    ConsoleSessions sessions,
    TimeProvider time,
    ILogger<AdminAuthorizationFilter> logger) : IEndpointFilter
{
    private const string AdminItem = "gateway.admin";
    private const string ScopeItem = "gateway.admin.audit";
    private const string ArrivedItem = "gateway.admin.arrived";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<AdminRequirement>() ?? new AdminRequirement(AdminRoles.Admin, "unknown", Mutates: true);
        var admin = await AuthenticateAsync(http, requirement);
        if (admin.Refusal is { } refusal)
        {
            return refusal;
        }

        var caller = admin.Record!;
        if (!AdminRoles.Allows(caller.Role, requirement.Role))
        {
            var detail = $"This admin key has the role '{caller.Role}'; this route needs '{requirement.Role}'.";
            await RecordAfterAsync(http, requirement, caller, new AdminAuditScope(), StatusCodes.Status403Forbidden, detail);
            return TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }

        var scope = new AdminAuditScope();
        http.Items[AdminItem] = caller;
        http.Items[ScopeItem] = scope;
        string? pendingRow = null;
        if (requirement.Mutates)
        {
            pendingRow = await BeginAsync(http, requirement, caller);
            if (pendingRow is null)
            {
                return TypedResults.Problem(
                    "The admin audit trail cannot be written right now, so this change was not made (nothing changed). Try again shortly.",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "Admin audit unavailable");
            }
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            await FinishAsync(http, requirement, caller, scope, pendingRow, StatusCodes.Status500InternalServerError,
                "The action failed with an internal error; it may or may not have taken effect.");
            throw;
        }

        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var status = inner is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        await FinishAsync(http, requirement, caller, scope, pendingRow, status, (inner as ProblemHttpResult)?.ProblemDetails.Detail);
        return result;
    }

    /// <summary>
    /// For a route outside the admin API that any admin key may read (the metrics scrape): the
    /// refusal when the caller has no valid admin key, counted and audited as any admin route's; null when it has one.
    /// </summary>
    public async Task<IResult?> AuthenticateAnyRoleAsync(HttpContext http, string action)
    {
        var (_, refusal) = await AuthenticateAsync(http, new AdminRequirement(AdminRoles.Viewer, action, Mutates: false));
        return refusal;
    }

    public static AdminKeyRecord Caller(HttpContext context) => (AdminKeyRecord)context.Items[AdminItem]!;

    public static AdminAuditScope Scope(HttpContext context) => (AdminAuditScope)context.Items[ScopeItem]!;

    /// <summary>The caller's admin key, or the refusal: 429 for an address past its failure limit, 401 for no valid key.</summary>
    private async Task<(AdminKeyRecord? Record, IResult? Refusal)> AuthenticateAsync(HttpContext http, AdminRequirement requirement)
    {
        var source = AdminAuthFailures.SourceOf(http.Connection.RemoteIpAddress);
        if (failures.RetryAfter(source) is { } wait)
        {
            // The key is not even looked at: a refused address learns nothing, however many keys it tries.
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            var detail = $"Too many failed admin-key attempts from this address; try again in {seconds} s.";
            await failures.RecordAsync(source, Entry(http, requirement, null, new AdminAuditScope(), StatusCodes.Status429TooManyRequests, detail));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return (null, TypedResults.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed attempts"));
        }

        var presented = PresentedCredentials.Bearer(http.Request) ?? "";
        if (presented.Length == 0 && ConsoleSessions.HasCookie(http.Request))
        {
            return await AuthenticateSessionAsync(http, requirement);
        }

        var admin = presented.Length == 0 ? null : await store.FindAsync(presented, http.RequestAborted);
        if (admin is not null)
        {
            return (admin, null);
        }

        var refused = presented.Length == 0 ? "This route needs an admin key: send 'Authorization: Bearer <admin key>'." : "The admin key is not valid or has been revoked.";
        await failures.RecordAsync(source, Entry(http, requirement, null, new AdminAuditScope(), StatusCodes.Status401Unauthorized, refused));
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return (null, TypedResults.Problem(refused, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized"));
    }

    /// <summary>
    /// A console session: its admin key (re-read, so a revoked key's session is refused) and, for a
    /// call that is not GET, HEAD or OPTIONS, the CSRF token. Not counted as a failed authentication:
    /// a cookie cannot be guessed, and a page left open past its session's end must not lock its
    /// address out; refusals are still written to the admin audit.
    /// </summary>
    private async Task<(AdminKeyRecord? Record, IResult? Refusal)> AuthenticateSessionAsync(HttpContext http, AdminRequirement requirement)
    {
        var check = await sessions.AuthenticateAsync(http.Request, http.RequestAborted);
        if (check.Admin is null)
        {
            await RecordAfterAsync(http, requirement, null, new AdminAuditScope(), StatusCodes.Status401Unauthorized, check.Refusal);
            return (null, TypedResults.Problem(check.Refusal, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized"));
        }

        if (!ConsoleSessions.IsSafe(http.Request.Method) && !ConsoleSessions.CsrfHolds(http.Request, check.Ticket!))
        {
            var detail = $"A change made with the console's session cookie needs the session's CSRF token in {ConsoleSessions.CsrfHeader}.";
            await RecordAfterAsync(http, requirement, check.Admin, new AdminAuditScope(), StatusCodes.Status403Forbidden, detail);
            return (null, TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"));
        }

        return (check.Admin, null);
    }

    /// <summary>Writes the pending row of a change; its row key, or null when it could not be written.</summary>
    private async Task<string?> BeginAsync(HttpContext http, AdminRequirement requirement, AdminKeyRecord admin)
    {
        try
        {
            // CancellationToken.None: the row is written whether or not the caller waits; the table
            // client's timeout and retries bound it.
            return await audit.RecordAsync(Entry(http, requirement, admin, new AdminAuditScope(), 0, "In progress: written before the change.") with { Pending = true }, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogPendingFailed(logger, requirement.Action, ex);
            return null;
        }
    }

    /// <summary>Completes a change's pending row with its outcome; for a read, records it when it failed.</summary>
    private async Task FinishAsync(HttpContext http, AdminRequirement requirement, AdminKeyRecord admin, AdminAuditScope scope, string? pendingRow, int status, string? detail)
    {
        if (pendingRow is null)
        {
            if (status >= 400)
            {
                await RecordAfterAsync(http, requirement, admin, scope, status, detail);
            }

            return;
        }

        try
        {
            await audit.CompleteAsync(pendingRow, Entry(http, requirement, admin, scope, status, detail), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The change is made and its pending row is durable: the trail says it was attempted, by whom, on what.
            LogCompleteFailed(logger, requirement.Action, status, ex);
        }
    }

    private async Task RecordAfterAsync(HttpContext http, AdminRequirement requirement, AdminKeyRecord? admin, AdminAuditScope scope, int status, string? detail)
    {
        try
        {
            await audit.RecordAsync(Entry(http, requirement, admin, scope, status, detail), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Nothing was changed (a read, or a refusal): there is no change to hold back.
            LogAuditFailed(logger, requirement.Action, status, ex);
        }
    }

    /// <summary>
    /// A row about this call. Its time is when the call arrived, the same in the pending row and in the
    /// completed one: the row key (which a time range reads by) is made from it.
    /// </summary>
    private AdminAuditEntry Entry(HttpContext http, AdminRequirement requirement, AdminKeyRecord? admin, AdminAuditScope scope, int status, string? detail) =>
        new(ArrivedAt(http), requirement.Action, admin?.Id, admin?.Name, scope.Target ?? RouteTarget(http),
            status is > 0 and < 400, status, detail, Json(scope.Before), Json(scope.After), http.Connection.RemoteIpAddress?.ToString());

    private DateTimeOffset ArrivedAt(HttpContext http)
    {
        if (http.Items[ArrivedItem] is not DateTimeOffset at)
        {
            at = time.GetUtcNow();
            http.Items[ArrivedItem] = at;
        }

        return at;
    }

    private static string? RouteTarget(HttpContext http) =>
        http.Request.RouteValues.TryGetValue("keyId", out var keyId) ? keyId?.ToString()
        : http.Request.RouteValues.TryGetValue("id", out var id) ? id?.ToString()
        : http.Request.RouteValues.TryGetValue("model", out var model) ? model?.ToString()
        : null;

    private static string? Json(object? value) => value is null ? null : JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    [LoggerMessage(Level = LogLevel.Error, Message = "Admin action {Action} refused with 503: its pending row could not be written to the admin audit trail")]
    private static partial void LogPendingFailed(ILogger logger, string action, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Admin action {Action} (status {Status}) took its course, but its outcome could not be written to the admin audit trail; its pending row stands")]
    private static partial void LogCompleteFailed(ILogger logger, string action, int status, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Admin call {Action} (status {Status}) could not be written to the admin audit trail")]
    private static partial void LogAuditFailed(ILogger logger, string action, int status, Exception exception);
}
