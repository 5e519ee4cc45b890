using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

/// <summary>A Messages API response; also the <c>message</c> of <c>message_start</c>, where content is empty and stop_reason null.</summary>
internal sealed record AnthropicMessage(
    [property: JsonPropertyOrder(-2)] string Id,
    string Model,
    IReadOnlyList<AnthropicTextBlock> Content,
    string? StopReason,
    AnthropicUsage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message";

    [JsonPropertyOrder(-1)]
    public string Role => "assistant";

    public string? StopSequence => null;
}
