using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record ContentBlockStopEvent(int Index)
{
    [JsonPropertyOrder(-1)]
    public string Type => "content_block_stop";
}
