namespace Gateway.Cli.Api;

/// <summary>GET /admin/v1/upstreams: the answering front-end's upstreams (never a key) and routes.</summary>
internal sealed record UpstreamList(string? Frontend, IReadOnlyList<UpstreamDetails> Upstreams, IReadOnlyList<RouteDetails> Routes);

internal sealed record UpstreamDetails(string Name, string? Kind, string? BaseUrl, string? Auth, string? ApiVersion, TimeSpan? Timeout, string? Circuit);

internal sealed record RouteDetails(string Model, IReadOnlyList<string>? Aliases, IReadOnlyList<DeploymentDetails> Deployments);

internal sealed record DeploymentDetails(string Upstream, string? Model, string? Deployment, int Weight, int Priority);
