using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

/// <summary>
/// One streamed <c>chat.completion.chunk</c>. <see cref="Usage"/> deliberately has no ignore attribute:
/// OpenAI omits the field unless <c>stream_options.include_usage</c> is set and then writes
/// <c>"usage":null</c> on every chunk but the last, so the serializer context chosen per request decides.
/// </summary>
internal sealed record ChatCompletionChunk(
    string Id,
    long Created,
    string Model,
    IReadOnlyList<ChunkChoice> Choices,
    OpenAiUsage? Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "chat.completion.chunk";

    public string ServiceTier => "default";

    public string SystemFingerprint => OpenAiConstants.SystemFingerprint;
}
