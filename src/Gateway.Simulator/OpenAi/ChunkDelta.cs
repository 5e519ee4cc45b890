using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

/// <summary>The first delta carries the role, later ones the text, the last one nothing: absent fields are omitted.</summary>
internal sealed record ChunkDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);
