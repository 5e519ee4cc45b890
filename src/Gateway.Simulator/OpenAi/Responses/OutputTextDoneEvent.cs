using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

internal sealed record OutputTextDoneEvent(string ItemId, int OutputIndex, int ContentIndex, string Text, int SequenceNumber)
{
    [JsonPropertyOrder(-1)]
    public string Type => "response.output_text.done";

    public IReadOnlyList<string> Logprobs => [];
}
