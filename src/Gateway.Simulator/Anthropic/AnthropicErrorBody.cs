using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

/// <summary><c>{"type":"error","error":{"type","message"}}</c>, Anthropic's error envelope.</summary>
internal sealed record AnthropicErrorBody(AnthropicError Error)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}
