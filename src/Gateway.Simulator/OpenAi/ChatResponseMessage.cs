using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

internal sealed record ChatResponseMessage(string Content)
{
    [JsonPropertyOrder(-1)]
    public string Role => "assistant";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Refusal => null;

    public IReadOnlyList<string> Annotations => [];
}
