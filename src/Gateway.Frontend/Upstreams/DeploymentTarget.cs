namespace Gateway.Frontend.Upstreams;

/// <summary>
/// One place a model is served: an upstream, the model name it knows the model by and, on Azure
/// OpenAI, the deployment's name. Null names mean the public model name as the caller's request resolved it.
/// </summary>
public sealed record DeploymentTarget(Upstream Upstream, string? Model, string? Deployment, int Weight, int Priority)
{
    /// <summary>The model name sent upstream for a request whose public model is <paramref name="publicModel"/>.</summary>
    public string ModelFor(string publicModel) => Model ?? publicModel;

    /// <summary>The Azure deployment name for <paramref name="publicModel"/>: stated, else the upstream model name.</summary>
    public string DeploymentFor(string publicModel) => Deployment ?? ModelFor(publicModel);
}
