using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

/// <summary>A legacy <c>text_completion</c>, streamed or not; <see cref="Usage"/> follows the same rule as <see cref="ChatCompletionChunk.Usage"/>.</summary>
internal sealed record TextCompletion(
    string Id,
    long Created,
    string Model,
    IReadOnlyList<TextChoice> Choices,
    OpenAiUsage? Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "text_completion";

    public string SystemFingerprint => OpenAiConstants.SystemFingerprint;
}
