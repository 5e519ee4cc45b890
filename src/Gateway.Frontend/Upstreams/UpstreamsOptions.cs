namespace Gateway.Frontend.Upstreams;

/// <summary>
/// Where OpenAI-format and Anthropic-format requests go. Any OpenAI-compatible endpoint
/// (Azure OpenAI's v1 API, a local server, the simulator) can stand in for OpenAI.
/// </summary>
public sealed class UpstreamsOptions
{
    public const string Section = "Gateway:Upstreams";

    public UpstreamOptions OpenAI { get; set; } = new() { BaseUrl = "https://api.openai.com" };

    public UpstreamOptions Anthropic { get; set; } = new() { BaseUrl = "https://api.anthropic.com" };
}
