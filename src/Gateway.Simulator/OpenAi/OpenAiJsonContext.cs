using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

/// <summary>OpenAI bodies; nulls are omitted unless a property says otherwise, so stream chunks carry no usage field.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(EmbeddingList))]
[JsonSerializable(typeof(float[]))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(OpenAiErrorBody))]
internal sealed partial class OpenAiJsonContext : JsonSerializerContext;
