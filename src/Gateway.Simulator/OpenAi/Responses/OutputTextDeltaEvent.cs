using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

internal sealed record OutputTextDeltaEvent(string ItemId, int OutputIndex, int ContentIndex, string Delta, int SequenceNumber)
{
    [JsonPropertyOrder(-1)]
    public string Type => "response.output_text.delta";

    public IReadOnlyList<string> Logprobs => [];
}
