namespace Gateway.Frontend.Upstreams;

/// <summary>One hosted model API. Provider keys live here (from configuration or secrets), never in logs.</summary>
public sealed class UpstreamOptions
{
    public string BaseUrl { get; set; } = "";

    public string? ApiKey { get; set; }

    /// <summary>
    /// OpenAI only: sent as <c>OpenAI-Organization</c>. Which organisation pays is the operator's
    /// choice, so a caller's own header of that name is never forwarded.
    /// </summary>
    public string? Organization { get; set; }

    /// <summary>OpenAI only: sent as <c>OpenAI-Project</c>, for the same reason as <see cref="Organization"/>.</summary>
    public string? Project { get; set; }

    /// <summary>
    /// Beta values a caller may send (<c>anthropic-beta</c> for Anthropic, <c>OpenAI-Beta</c> for
    /// OpenAI). A beta can change what a request costs, so only betas whose pricing the price table
    /// covers belong here; a request naming any other is refused with 400. A configured list
    /// replaces the defaults in <see cref="UpstreamsOptions"/>.
    /// </summary>
    public string[] AllowedBetas { get; set; } = [];
}
