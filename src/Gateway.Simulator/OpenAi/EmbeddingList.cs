using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

internal sealed record EmbeddingList(IReadOnlyList<EmbeddingItem> Data, string Model, EmbeddingUsage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}
