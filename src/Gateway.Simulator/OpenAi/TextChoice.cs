using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

internal sealed record TextChoice(
    string Text,
    int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}
