using Gateway.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Health;

public static class HealthEndpoints
{
    /// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the cluster is joined and storage is reachable.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapGet("/readyz", async (IGrainFactory grains, GatewayTables tables, CancellationToken cancellationToken) =>
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
            var ready = silo is not null && storage;
            return Results.Json(new { ready, cluster = silo is not null, silo, storage }, statusCode: ready ? 200 : 503);
        });
        return app;
    }
}
