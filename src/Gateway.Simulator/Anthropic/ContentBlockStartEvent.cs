using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record ContentBlockStartEvent(int Index, AnthropicTextBlock ContentBlock)
{
    [JsonPropertyOrder(-1)]
    public string Type => "content_block_start";
}
