using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Http;

namespace Gateway.Frontend.Admin;

/// <summary>Every admin route requires an admin key as a Bearer token; user keys never open one.</summary>
public sealed class AdminAuthorizationFilter(AdminKeyStore store) : IEndpointFilter
{
    public const string AdminItem = "gateway.admin";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var presented = PresentedCredentials.Bearer(http.Request) ?? "";
        var admin = presented.Length == 0 ? null : await store.FindAsync(presented, http.RequestAborted);
        if (admin is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(
                presented.Length == 0 ? "This route needs an admin key: send 'Authorization: Bearer <admin key>'." : "The admin key is not valid or has been revoked.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        http.Items[AdminItem] = admin;
        return await next(context);
    }

    public static AdminKeyRecord Caller(HttpContext context) => (AdminKeyRecord)context.Items[AdminItem]!;
}
