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
    /// <c>/healthz</c>: the process answers. <c>/readyz</c>: the cluster is joined, every storage
    /// account answers (the main one and each per-key rows are spread over) and, on a front-end, the
    /// prices table has been read.
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

            // Every account, each bounded like the silo's ping: a probe must answer before its caller gives up.
            var storage = await tables.ProbeAccountsAsync(TimeSpan.FromSeconds(5), cancellationToken);
            // A silo has no price catalog; a front-end that never read its prices must not take traffic.
            var catalog = context.RequestServices.GetService<PriceCatalog>();
            var prices = catalog is null || catalog.LoadedAt is not null;
            var ready = silo is not null && storage.All && prices;
            return Results.Json(
                new
                {
                    ready, cluster = silo is not null, silo, storage = storage.All,
                    // By index in Gateway:Storage:LedgerAccounts (the main account alone when it is empty): never a name or an address.
                    storageAccounts = storage.Accounts.Select((reachable, index) => new { index, reachable }),
                    prices, pricesReadAt = catalog?.LoadedAt,
                },
                statusCode: ready ? 200 : 503);
        });
        return app;
    }
}
