using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record MessageStartEvent(AnthropicMessage Message)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message_start";
}
