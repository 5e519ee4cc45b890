using Gateway.Frontend.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Frontend.Telemetry;

public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    /// <summary>
    /// The Prometheus scrape at <c>/metrics</c>, on the front-end's own port, for any admin key
    /// (admin, auditor or viewer); without one, 401 as on the admin API, with the same count of
    /// failed attempts per address (and its 429) and the same audit row of the refusal.
    /// </summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            var admin = context.RequestServices.GetRequiredService<AdminAuthorizationFilter>();
            if (await admin.AuthenticateAnyRoleAsync(context, "metrics.read") is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            await next(context);
        }), optionsName: null);
        return app;
    }
}
