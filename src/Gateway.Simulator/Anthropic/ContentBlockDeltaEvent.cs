using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record ContentBlockDeltaEvent(int Index, TextDelta Delta)
{
    [JsonPropertyOrder(-1)]
    public string Type => "content_block_delta";
}
