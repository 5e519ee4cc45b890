using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Runs before routing: moves any <c>/_fault/…</c> prefixes from the path to the path base and
/// leaves a <see cref="FaultPrefix"/> feature, so the rest of the path routes (and picks its
/// provider's error format) as if the prefix were not there. <see cref="SimulatorMiddleware"/> acts on it.
/// </summary>
internal sealed class FaultPrefixMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        FaultPrefix? fault = null;
        while (FaultPrefix.TryTake(request.Path, fault, out var found, out var taken, out var rest))
        {
            fault = found;
            request.PathBase = request.PathBase.Add(taken);
            request.Path = rest;
        }

        if (fault is not null)
        {
            context.Features.Set(fault);
        }

        return next(context);
    }
}
