using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record AnthropicTextBlock(string Text)
{
    [JsonPropertyOrder(-1)]
    public string Type => "text";
}
