using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

internal sealed record ChunkChoice(
    int Index,
    ChunkDelta Delta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}
