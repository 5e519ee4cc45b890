using Gateway.Frontend.Pricing;
using Gateway.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Frontend.Health;

public static class HealthEndpoints
{
    /// <summary>
    /// <c>/healthz</c>: the process answers. <c>/readyz</c>: the cluster is joined, storage is
    /// reachable and, on a front-end, the prices table has been read.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapGet("/readyz", async (HttpContext context, IGrainFactory grains, GatewayTables tables, CancellationToken cancellationToken) =>
        {
            string? silo = null;
            try
            {
                silo = await grains.GetGrain<IHealthGrain>(0).Ping().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Not joined (yet): reported below.
            }

            var storage = await tables.IsReachableAsync(cancellationToken);
            // A silo has no price catalog; a front-end that never read its prices must not take traffic.
            var catalog = context.RequestServices.GetService<PriceCatalog>();
            var prices = catalog is null || catalog.LoadedAt is not null;
            var ready = silo is not null && storage && prices;
            return Results.Json(new { ready, cluster = silo is not null, silo, storage, prices, pricesReadAt = catalog?.LoadedAt }, statusCode: ready ? 200 : 503);
        });
        return app;
    }
}
