using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Simulator.Azure;

/// <summary>
/// A request on an Azure OpenAI path (<c>/openai/…</c>), kept as a request feature so the shared
/// OpenAI endpoints know the model comes from the deployment.
/// </summary>
/// <param name="Deployment">The URL's deployment on the classic shape (<c>/openai/deployments/{deployment}/…</c>); null on the others, whose body names it.</param>
/// <param name="ApiVersion">The <c>api-version</c> query value, or null.</param>
/// <param name="ApiVersionRequired">False on the v1 shape (<c>/openai/v1/…</c>), which needs none.</param>
internal sealed record AzureRequest(string? Deployment, string? ApiVersion, bool ApiVersionRequired)
{
    public const string PathPrefix = "/openai";

    /// <summary>Without an <c>api-version</c> the classic URLs do not exist: Azure answers 404 "Resource not found".</summary>
    public bool ApiVersionMissing => ApiVersionRequired && ApiVersion is null;

    public static bool IsAzurePath(PathString path) => path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Null for a path outside <c>/openai</c>. Needs routing to have run, for the deployment.</summary>
    public static AzureRequest? Of(HttpContext context)
    {
        var path = context.Request.Path;
        if (!IsAzurePath(path))
        {
            return null;
        }

        var apiVersion = context.Request.Query["api-version"].ToString();
        return new AzureRequest(
            context.GetRouteValue("deployment") as string,
            apiVersion.Length > 0 ? apiVersion : null,
            ApiVersionRequired: !path.StartsWithSegments(PathPrefix + "/v1", StringComparison.OrdinalIgnoreCase));
    }
}
