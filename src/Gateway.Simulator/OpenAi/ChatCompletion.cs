using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

/// <summary>A non-streamed chat completion, shaped like OpenAI's <c>chat.completion</c> object.</summary>
internal sealed record ChatCompletion(
    string Id,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    OpenAiUsage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "chat.completion";

    public string ServiceTier => "default";

    public string SystemFingerprint => OpenAiConstants.SystemFingerprint;
}
