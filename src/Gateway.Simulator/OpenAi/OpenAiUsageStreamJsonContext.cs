using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

/// <summary>
/// Stream chunks when the client set <c>stream_options.include_usage</c>: identical to
/// <see cref="OpenAiJsonContext"/> except that the unattributed <c>usage</c> is written as null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
internal sealed partial class OpenAiUsageStreamJsonContext : JsonSerializerContext;
