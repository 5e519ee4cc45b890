using Gateway.Frontend.Upstreams;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>
/// The upstreams and routes this front-end runs with, for operators: what each upstream is, how it
/// authenticates (never with what), its timeout and whether its circuit is open right now; which
/// deployments serve each routed model and under which aliases. Read-only: upstreams and routes are
/// configuration, deployed with the fleet. Each front-end answers for its own circuits.
/// </summary>
public static class UpstreamEndpoints
{
    public static RouteGroupBuilder MapUpstreamApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/upstreams", List).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "upstream.list", Mutates: false));
        return admin;
    }

    private static Ok<UpstreamList> List(UpstreamRouter router, Microsoft.Extensions.Options.IOptions<FrontendOptions> frontend)
    {
        var upstreams = router.Upstreams
            .Select(u => new UpstreamResponse(u.Name, u.Kind.ToString(), u.BaseUrl, Auth(u), u.ApiVersion, u.Timeout, u.CircuitState))
            .ToList();
        var aliases = router.Aliases.GroupBy(a => a.Value, a => a.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToList(), StringComparer.OrdinalIgnoreCase);
        var routes = router.Routes
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new RouteResponse(r.Key, aliases.GetValueOrDefault(r.Key) ?? [],
                [.. r.Value.Select(d => new DeploymentResponse(d.Upstream.Name, d.Model, d.Deployment, d.Weight, d.Priority))]))
            .ToList();
        return TypedResults.Ok(new UpstreamList(frontend.Value.InstanceId, upstreams, routes));
    }

    /// <summary>How it authenticates, in words that name no secret.</summary>
    private static string Auth(Upstream upstream) => upstream.Auth == UpstreamAuth.EntraId ? "entra-id" : upstream.HasApiKey ? "api-key" : "none";
}

/// <summary>GET /admin/v1/upstreams: the answering front-end, its upstreams and its routes.</summary>
public sealed record UpstreamList(string Frontend, IReadOnlyList<UpstreamResponse> Upstreams, IReadOnlyList<RouteResponse> Routes);

/// <summary>One upstream as operators see it; <see cref="Auth"/> is <c>api-key</c>, <c>entra-id</c> or <c>none</c>, never the key.</summary>
public sealed record UpstreamResponse(string Name, string Kind, string BaseUrl, string Auth, string? ApiVersion, TimeSpan? Timeout, string Circuit);

/// <summary>One routed model, the other names it answers to, and its deployments in configuration order.</summary>
public sealed record RouteResponse(string Model, IReadOnlyList<string> Aliases, IReadOnlyList<DeploymentResponse> Deployments);

public sealed record DeploymentResponse(string Upstream, string? Model, string? Deployment, int Weight, int Priority);
