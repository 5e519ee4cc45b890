using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

internal sealed record FunctionCallArgumentsDoneEvent(string ItemId, int OutputIndex, string Name, string Arguments, int SequenceNumber)
{
    [JsonPropertyOrder(-1)]
    public string Type => "response.function_call_arguments.done";
}
