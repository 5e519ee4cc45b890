using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>An <c>output_text</c> content part; the simulator cites nothing, so no annotations.</summary>
internal sealed record ResponseOutputText(string Text)
{
    [JsonPropertyOrder(-1)]
    public string Type => "output_text";

    public IReadOnlyList<string> Annotations => [];

    public IReadOnlyList<string> Logprobs => [];
}
