using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Endpoints;

/// <summary>GET /sim/stats and POST /sim/stats/reset; not counted and not behind the API key, being the test's own view.</summary>
internal sealed class StatsEndpoint(SimulatorStats stats)
{
    public Task GetAsync(HttpContext context) =>
        context.Response.WriteAsJsonAsync(stats.Snapshot(), SimJsonContext.Default.SimulatorStatsSnapshot, contentType: null, context.RequestAborted);

    public Task ResetAsync(HttpContext context)
    {
        stats.Reset();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
