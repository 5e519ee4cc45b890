using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

internal sealed record ModelList(IReadOnlyList<ModelInfo> Data)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}
