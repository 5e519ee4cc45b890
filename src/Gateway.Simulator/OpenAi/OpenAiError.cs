using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

internal sealed record OpenAiError(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
