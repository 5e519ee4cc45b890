using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

internal sealed record FunctionCallArgumentsDeltaEvent(string ItemId, int OutputIndex, string Delta, int SequenceNumber)
{
    [JsonPropertyOrder(-1)]
    public string Type => "response.function_call_arguments.delta";
}
