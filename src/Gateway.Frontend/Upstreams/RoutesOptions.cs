namespace Gateway.Frontend.Upstreams;

/// <summary>
/// <c>Gateway:Routes:{public model}</c>: which upstream deployments serve a model, in what order
/// and proportion, and by what other names callers may ask for it. A model without a route goes to
/// the <c>OpenAI</c> or <c>Anthropic</c> upstream, under its own name.
/// </summary>
public sealed class RoutesOptions
{
    public const string Section = "Gateway:Routes";

    /// <summary>By the configuration key, which is the public model name unless the route sets <see cref="ModelRouteOptions.Model"/>.</summary>
    public Dictionary<string, ModelRouteOptions> Models { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One public model's route.</summary>
public sealed class ModelRouteOptions
{
    /// <summary>
    /// The public model name, when the configuration key cannot hold it (a name with a colon, such
    /// as Ollama's <c>llama3:8b</c>). It is the name prices, key allow-lists and ledger rows use.
    /// </summary>
    public string? Model { get; set; }

    /// <summary>
    /// Other names callers may send (<c>claude-sonnet-latest</c>). An alias is priced, allowed and
    /// recorded as the route's model, so moving an alias to a new model is one configuration change.
    /// </summary>
    public List<string> Aliases { get; set; } = [];

    /// <summary>Where it is served. At least one.</summary>
    public List<DeploymentOptions> Deployments { get; set; } = [];
}

/// <summary>One place a route's model is served.</summary>
public sealed class DeploymentOptions
{
    /// <summary>The upstream's name under <c>Gateway:Upstreams</c>.</summary>
    public string Upstream { get; set; } = "";

    /// <summary>The model name the upstream knows it by (sent as the body's <c>model</c>); the public name when unset.</summary>
    public string? Model { get; set; }

    /// <summary>Azure OpenAI only: the deployment's name; the upstream model name when unset.</summary>
    public string? Deployment { get; set; }

    /// <summary>
    /// Share of first attempts among deployments of the same <see cref="Priority"/>. 0 serves only
    /// when every weighted deployment of its priority failed.
    /// </summary>
    public int Weight { get; set; } = 1;

    /// <summary>Lower first: a priority is tried only once every deployment of the ones before it failed.</summary>
    public int Priority { get; set; }
}
