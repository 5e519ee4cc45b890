using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record TextDelta(string Text)
{
    [JsonPropertyOrder(-1)]
    public string Type => "text_delta";
}
