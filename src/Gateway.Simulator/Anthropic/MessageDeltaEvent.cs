using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

internal sealed record MessageDeltaEvent(MessageDelta Delta, MessageDeltaUsage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message_delta";
}
