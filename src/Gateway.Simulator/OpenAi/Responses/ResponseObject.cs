using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>
/// OpenAI's <c>response</c> object: the non-streamed body, and the payload of the lifecycle events.
/// Request settings the API echoes back (<c>reasoning</c>, <c>text</c>, <c>tool_choice</c>, <c>tools</c>,
/// <c>temperature</c>, <c>top_p</c>, <c>metadata</c>) are passed through as the request gave them.
/// </summary>
internal sealed record ResponseObject(
    [property: JsonPropertyOrder(-2)] string Id,
    long CreatedAt,
    string Status,
    IncompleteDetails? IncompleteDetails,
    string? Instructions,
    int? MaxOutputTokens,
    string Model,
    IReadOnlyList<ResponseOutputItem> Output,
    bool ParallelToolCalls,
    JsonElement Reasoning,
    bool Store,
    JsonElement Temperature,
    JsonElement Text,
    JsonElement ToolChoice,
    JsonElement Tools,
    JsonElement TopP,
    string Truncation,
    ResponseUsage? Usage,
    string? User,
    JsonElement Metadata)
{
    [JsonPropertyOrder(-1)]
    public string Object => "response";

    /// <summary>Always null: the simulator fails a request before it starts (an error status), never half-way.</summary>
    [JsonPropertyOrder(1)]
    public string? Error => null;

    /// <summary>Always null: the simulator keeps no responses to continue from.</summary>
    [JsonPropertyOrder(1)]
    public string? PreviousResponseId => null;
}
