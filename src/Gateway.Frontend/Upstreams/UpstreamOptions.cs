namespace Gateway.Frontend.Upstreams;

/// <summary>One hosted model API. Provider keys live here (from configuration or secrets), never in logs.</summary>
public sealed class UpstreamOptions
{
    public string BaseUrl { get; set; } = "";

    public string? ApiKey { get; set; }
}
