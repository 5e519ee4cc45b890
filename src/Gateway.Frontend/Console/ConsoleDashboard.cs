using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace Gateway.Frontend.Console;

/// <summary>
/// The Orleans Dashboard (<c>Microsoft.Orleans.Dashboard</c>) under <c>/console/dashboard</c>,
/// behind the console's session cookie. Admins only: the dashboard reads any grain's raw state by
/// its id (a key's secret hash among them), which no other role is shown. Its log stream is off
/// (<c>HideTrace</c>, set where the host adds it).
/// </summary>
public static class ConsoleDashboard
{
    public const string Path = "/console/dashboard";

    public static WebApplication MapConsoleDashboard(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value.Dashboard)
        {
            return app;
        }

        // A middleware rather than an endpoint filter: the dashboard's endpoints are plain request
        // delegates, which endpoint filters do not wrap. It runs after routing, before any endpoint.
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch => branch.Use(GateAsync));
        app.MapOrleansDashboard(routePrefix: Path);
        return app;
    }

    private static async Task GateAsync(HttpContext http, RequestDelegate next)
    {
        var sessions = http.RequestServices.GetRequiredService<ConsoleSessions>();
        var check = await sessions.AuthenticateAsync(http.Request, http.RequestAborted);
        if (check.Admin is null)
        {
            // A person opening the page is sent to sign in; the dashboard's own polls get a plain 401.
            // Not written to the admin audit: the dashboard polls every second, and nothing is shown.
            if (HttpMethods.IsGet(http.Request.Method) && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.Redirect("/console");
                return;
            }

            await Results.Problem(check.Refusal, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(http);
            return;
        }

        if (!AdminRoles.Allows(check.Admin.Role, AdminRoles.Admin))
        {
            await Results.Problem($"The Orleans Dashboard shows grains' raw state and needs the 'admin' role; this session's is '{check.Admin.Role}'.",
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden").ExecuteAsync(http);
            return;
        }

        if (!ConsoleSessions.IsSafe(http.Request.Method) && !ConsoleSessions.CsrfHolds(http.Request, check.Ticket!))
        {
            await Results.Problem($"A change made with the console's session cookie needs the session's CSRF token in {ConsoleSessions.CsrfHeader}.",
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden").ExecuteAsync(http);
            return;
        }

        http.Response.Headers.XFrameOptions = "DENY";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        await next(http);
    }
}
