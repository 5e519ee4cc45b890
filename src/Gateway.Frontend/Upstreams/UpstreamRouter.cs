using System.Collections.Frozen;
using Gateway.Frontend.Proxy;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// The configured upstreams and routes at run time: which name a request's model resolves to, and
/// in which order its deployments are tried. Deployments of a lower priority come first; within a
/// priority, weighted at random; a deployment whose circuit is open goes last.
/// </summary>
public sealed class UpstreamRouter : IDisposable
{
    private readonly FrozenDictionary<string, Upstream> _upstreams;
    private readonly FrozenDictionary<string, string> _aliases;
    private readonly FrozenDictionary<string, IReadOnlyList<DeploymentTarget>> _routes;
    private readonly IReadOnlyList<DeploymentTarget> _defaultOpenAI;
    private readonly IReadOnlyList<DeploymentTarget> _defaultAnthropic;

    public UpstreamRouter(IOptions<UpstreamsOptions> upstreams, IOptions<RoutesOptions> routes, IOptions<FrontendOptions> frontend, EntraTokenSource entra, TimeProvider time)
    {
        _upstreams = upstreams.Value.All
            .ToFrozenDictionary(u => u.Key, u => new Upstream(u.Key, KindOf(u.Key, u.Value), u.Value, entra, time), StringComparer.OrdinalIgnoreCase);
        _defaultOpenAI = [new DeploymentTarget(_upstreams[nameof(UpstreamsOptions.OpenAI)], null, null, 1, 0)];
        _defaultAnthropic = [new DeploymentTarget(_upstreams[nameof(UpstreamsOptions.Anthropic)], null, null, 1, 0)];

        var routeTable = new Dictionary<string, IReadOnlyList<DeploymentTarget>>(StringComparer.OrdinalIgnoreCase);
        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, route) in routes.Value.Models)
        {
            var model = route.Model ?? key;
            routeTable[model] = [.. route.Deployments.Select(d => new DeploymentTarget(_upstreams[d.Upstream], d.Model, d.Deployment, d.Weight, d.Priority))];
            foreach (var alias in route.Aliases)
            {
                aliases[alias] = model;
            }
        }

        _routes = routeTable.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _aliases = aliases.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        Headers = new HeaderPolicy(upstreams.Value);
        RequestConfig = new ForwarderRequestConfig { ActivityTimeout = frontend.Value.RequestTimeout };
    }

    /// <summary>Which caller headers may reach an upstream; the proxy checks a request against it before reserving anything.</summary>
    public HeaderPolicy Headers { get; }

    public ForwarderRequestConfig RequestConfig { get; }

    public IEnumerable<Upstream> Upstreams => _upstreams.Values;

    /// <summary>Alias to public model name.</summary>
    public IReadOnlyDictionary<string, string> Aliases => _aliases;

    /// <summary>Public model name to its configured deployments, in configuration order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<DeploymentTarget>> Routes => _routes;

    /// <summary>The kind of the upstream named <paramref name="name"/>: stated, else what the two default names imply.</summary>
    public static UpstreamKind KindOf(string name, UpstreamOptions options) =>
        options.Kind ?? (string.Equals(name, nameof(UpstreamsOptions.Anthropic), StringComparison.OrdinalIgnoreCase) ? UpstreamKind.Anthropic : UpstreamKind.OpenAI);

    /// <summary>The public model name a caller's model name stands for: the route an alias names, else the name itself.</summary>
    public string Resolve(string model) => _aliases.TryGetValue(model, out var target) ? target : model;

    /// <summary>
    /// The deployments to try for <paramref name="model"/> (a resolved public name), in order, that
    /// take requests in <paramref name="dialect"/>; empty when the model's route serves only the other format.
    /// </summary>
    public IReadOnlyList<DeploymentTarget> Plan(string model, ApiDialect dialect)
    {
        if (!_routes.TryGetValue(model, out var deployments))
        {
            return dialect == ApiDialect.Anthropic ? _defaultAnthropic : _defaultOpenAI;
        }

        if (deployments.Count == 1)
        {
            return deployments[0].Upstream.Dialect == dialect ? deployments : [];
        }

        return Order(deployments.Where(d => d.Upstream.Dialect == dialect));
    }

    /// <summary>
    /// Priority groups in turn; within one, a weighted shuffle (each deployment keyed by
    /// <c>u^(1/weight)</c>, largest first), weight 0 after the weighted ones; open circuits last.
    /// </summary>
    private static List<DeploymentTarget> Order(IEnumerable<DeploymentTarget> deployments) =>
        [.. deployments
            .Select(d => (Target: d, Key: d.Weight > 0 ? Math.Pow(Random.Shared.NextDouble(), 1.0 / d.Weight) : -1.0))
            .OrderBy(d => d.Target.Upstream.IsOpen)
            .ThenBy(d => d.Target.Priority)
            .ThenByDescending(d => d.Key)
            .Select(d => d.Target)];

    public void Dispose()
    {
        foreach (var upstream in _upstreams.Values)
        {
            upstream.Dispose();
        }
    }
}
