using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

/// <param name="Index">Position of the input this vector belongs to.</param>
/// <param name="Embedding">A float array, or the base64 of its little-endian float32 bytes when the request asked for <c>encoding_format: "base64"</c> (the official SDKs do by default).</param>
internal sealed record EmbeddingItem(int Index, object Embedding)
{
    [JsonPropertyOrder(-1)]
    public string Object => "embedding";
}
