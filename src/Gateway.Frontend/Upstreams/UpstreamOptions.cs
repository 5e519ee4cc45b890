namespace Gateway.Frontend.Upstreams;

/// <summary>
/// One hosted model API, under <c>Gateway:Upstreams:{name}</c>. Provider keys live here (from
/// configuration, environment or a Key Vault reference), never in logs or admin answers.
/// </summary>
public sealed class UpstreamOptions
{
    /// <summary>
    /// What it is. The upstreams named <c>OpenAI</c> and <c>Anthropic</c> default to those kinds
    /// (<c>OpenAI</c> may be any OpenAI-format kind); every other upstream must state its kind.
    /// </summary>
    public UpstreamKind? Kind { get; set; }

    public string BaseUrl { get; set; } = "";

    public string? ApiKey { get; set; }

    /// <summary><see cref="UpstreamAuth.ApiKey"/> unless set; <see cref="UpstreamAuth.EntraId"/> is for Azure OpenAI.</summary>
    public UpstreamAuth Auth { get; set; } = UpstreamAuth.ApiKey;

    /// <summary>
    /// Azure OpenAI only: the data-plane <c>api-version</c> sent on every call (the caller's is
    /// replaced), or <c>v1</c> for the resource's v1 API (<c>/openai/v1/…</c>, the deployment named in the body).
    /// </summary>
    public string ApiVersion { get; set; } = DefaultAzureApiVersion;

    /// <summary>The latest GA data-plane version of Azure OpenAI's deployment API.</summary>
    public const string DefaultAzureApiVersion = "2024-10-21";

    /// <summary>
    /// OpenAI only: sent as <c>OpenAI-Organization</c>. Which organisation pays is the operator's
    /// choice, so a caller's own header of that name is never forwarded.
    /// </summary>
    public string? Organization { get; set; }

    /// <summary>OpenAI only: sent as <c>OpenAI-Project</c>, for the same reason as <see cref="Organization"/>.</summary>
    public string? Project { get; set; }

    /// <summary>
    /// Read from the upstreams named <c>OpenAI</c> and <c>Anthropic</c> only, and applied to every
    /// request in that API's format: beta values a caller may send (<c>anthropic-beta</c>,
    /// <c>OpenAI-Beta</c>). A beta can change what a request costs, so only betas whose pricing the
    /// price table covers belong here; a request naming any other is refused with 400. A configured
    /// list replaces the defaults in <see cref="UpstreamsOptions"/>.
    /// </summary>
    public string[] AllowedBetas { get; set; } = [];

    /// <summary>
    /// How long the upstream may take to start answering (its response headers) before the attempt
    /// counts as failed and the request fails over. Unset: <c>Gateway:Frontend:RequestTimeout</c>
    /// bounds the whole request instead. A non-streamed answer's headers come only when it is
    /// complete, so set this above the slowest answer the upstream may take.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();
}
