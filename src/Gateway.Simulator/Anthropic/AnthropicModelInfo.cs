using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record AnthropicModelInfo(string Id, string DisplayName, string CreatedAt)
{
    [JsonPropertyOrder(-1)]
    public string Type => "model";
}
