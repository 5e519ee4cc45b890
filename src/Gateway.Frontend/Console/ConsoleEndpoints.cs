using Gateway.Frontend.Admin;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace Gateway.Frontend.Console;

/// <summary>
/// The operator console: static pages under <c>/console</c> (embedded in this assembly) and its
/// session routes. The pages call the admin API with the session cookie; the admin filter
/// authenticates it like the key it was opened with (<see cref="AdminAuthorizationFilter"/>).
/// </summary>
public static partial class ConsoleEndpoints
{
    public static WebApplication MapConsole(this WebApplication app)
    {
        app.MapConsoleDashboard();
        var assets = new EmbeddedFileProvider(typeof(ConsoleEndpoints).Assembly, "Gateway.Frontend.Console.wwwroot");
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = assets,
            RequestPath = "/console",
            OnPrepareResponse = context => Harden(context.Context.Response),
        });
        // Routing matches "/console" and "/console/" alike; the page names its assets by absolute paths.
        app.MapGet("/console", (HttpContext context) =>
        {
            Harden(context.Response);
            return TypedResults.Stream(assets.GetFileInfo("index.html").CreateReadStream(), "text/html; charset=utf-8");
        });
        app.MapPost("/console/session", SignInAsync);
        app.MapGet("/console/session", GetSessionAsync);
        app.MapDelete("/console/session", SignOutAsync);
        return app;
    }

    /// <summary>Exchanges an admin key for a session cookie; counted like any failed admin authentication.</summary>
    private static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> SignInAsync(
        HttpContext http, AdminKeyStore store, ConsoleSessions sessions, AdminAuthFailures failures, AdminAuditLog audit, TimeProvider time, ILogger<ConsoleSessions> logger)
    {
        var source = AdminAuthFailures.SourceOf(http.Connection.RemoteIpAddress);
        if (failures.RetryAfter(source) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem($"Too many failed admin-key attempts from this address; try again in {seconds} s.", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed attempts");
        }

        var (request, error) = await AdminJson.ReadAsync<SignInRequest>(http, """{"key": "gwadmin_…"}""");
        if (request is null)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        var admin = string.IsNullOrEmpty(request.Key) ? null : await store.FindAsync(request.Key, http.RequestAborted);
        if (admin is null)
        {
            const string refused = "The admin key is not valid or has been revoked.";
            await failures.RecordAsync(source, Entry(http, time, "console.signin", null, StatusCodes.Status401Unauthorized, refused, null));
            return TypedResults.Problem(refused, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        var (ticket, cookie) = sessions.Issue(admin);
        if (!await TryAuditAsync(audit, Entry(http, time, "console.signin", admin, StatusCodes.Status200OK, null, new { expiresAt = ticket.ExpiresAt }), logger))
        {
            // A session nobody can find in the trail is not handed out.
            return TypedResults.Problem("The admin audit trail cannot be written right now, so no session was opened. Try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Admin audit unavailable");
        }

        http.Response.Cookies.Append(ConsoleSessions.CookieName, cookie, ConsoleSessions.CookieFor(http.Request, ticket.ExpiresAt));
        return TypedResults.Ok(Describe(admin, ticket));
    }

    private static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> GetSessionAsync(HttpContext http, ConsoleSessions sessions)
    {
        var check = await sessions.AuthenticateAsync(http.Request, http.RequestAborted);
        return check.Admin is null
            ? TypedResults.Problem(check.Refusal, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized")
            : TypedResults.Ok(Describe(check.Admin, check.Ticket!));
    }

    /// <summary>
    /// Signs out: the cookie is deleted and the sign-out audited. Sessions are stateless, so a copy of
    /// the cookie taken before stays valid until it expires or its admin key is revoked.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SignOutAsync(HttpContext http, ConsoleSessions sessions, AdminAuditLog audit, TimeProvider time, ILogger<ConsoleSessions> logger)
    {
        var check = await sessions.AuthenticateAsync(http.Request, http.RequestAborted);
        if (check.Admin is null)
        {
            http.Response.Cookies.Delete(ConsoleSessions.CookieName, ConsoleSessions.CookieFor(http.Request, default));
            return TypedResults.Problem(check.Refusal, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        if (!ConsoleSessions.CsrfHolds(http.Request, check.Ticket!))
        {
            return TypedResults.Problem($"Signing out needs the session's CSRF token in {ConsoleSessions.CsrfHeader}.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }

        await TryAuditAsync(audit, Entry(http, time, "console.signout", check.Admin, StatusCodes.Status204NoContent, null, null), logger);
        http.Response.Cookies.Delete(ConsoleSessions.CookieName, ConsoleSessions.CookieFor(http.Request, default));
        return TypedResults.NoContent();
    }

    private static SessionResponse Describe(AdminKeyRecord admin, ConsoleSessionTicket ticket) =>
        new(admin.Id, admin.Name, admin.Role, ticket.ExpiresAt, ticket.Csrf);

    private static AdminAuditEntry Entry(HttpContext http, TimeProvider time, string action, AdminKeyRecord? admin, int status, string? detail, object? after) =>
        new(time.GetUtcNow(), action, admin?.Id, admin?.Name, admin?.Id, status is > 0 and < 400, status, detail, null,
            after is null ? null : System.Text.Json.JsonSerializer.Serialize(after, System.Text.Json.JsonSerializerOptions.Web), http.Connection.RemoteIpAddress?.ToString());

    private static async Task<bool> TryAuditAsync(AdminAuditLog audit, AdminAuditEntry entry, ILogger logger)
    {
        try
        {
            // CancellationToken.None: the row is written whether or not the caller waits; the table client's timeout bounds it.
            await audit.RecordAsync(entry, CancellationToken.None);
            return true;
        }
        catch (Exception ex)
        {
            LogAuditFailed(logger, entry.Action, ex);
            return false;
        }
    }

    /// <summary>The console is never framed, and runs only its own scripts and styles.</summary>
    private static void Harden(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.CacheControl = "no-cache";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Console {Action} could not be written to the admin audit trail")]
    private static partial void LogAuditFailed(ILogger logger, string action, Exception exception);
}
