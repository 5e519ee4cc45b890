using System.Text.Json;
using Gateway.Simulator.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// A POST /v1/responses body, validated as the API validates it. Elements point into the request's
/// document, which must outlive this (the handler keeps it until the response is written).
/// </summary>
internal sealed record ResponsesRequest(
    string Model,
    JsonElement Input,
    string? Instructions,
    int? MaxOutputTokens,
    bool Stream,
    IReadOnlyDictionary<string, JsonElement> Functions,
    JsonElement ToolChoice,
    JsonElement Echo)
{
    /// <summary>The API's smallest <c>max_output_tokens</c>.</summary>
    public const int MinOutputTokens = 16;

    public static ResponsesRequest Read(HttpContext context, JsonElement body, ModelCatalog catalog)
    {
        var model = RequestedModel.Resolve(context, body, catalog, "Missing required parameter: 'model'.");

        // The simulator stores nothing, so there is never a response to continue from.
        if (RequestJson.OptionalString(body, "previous_response_id") is { } previous)
        {
            throw new InvalidSimRequestException(
                $"Previous response with id '{previous}' not found.", "previous_response_id", StatusCodes.Status404NotFound, "previous_response_not_found");
        }

        var maxOutputTokens = RequestJson.OptionalInt(body, "max_output_tokens");
        if (maxOutputTokens < MinOutputTokens)
        {
            throw new InvalidSimRequestException(
                $"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= {MinOutputTokens}, but got {maxOutputTokens} instead.",
                "max_output_tokens", code: "integer_below_min_value");
        }

        return new ResponsesRequest(
            model,
            ResponsesPrompt.RequireInput(body),
            RequestJson.OptionalString(body, "instructions"),
            maxOutputTokens,
            RequestJson.OptionalBool(body, "stream"),
            ReadFunctions(body),
            body.TryGetProperty("tool_choice", out var choice) && choice.ValueKind != JsonValueKind.Null ? choice : default,
            body);
    }

    /// <summary>
    /// The function the model calls: the one <c>tool_choice</c> forces, else the one a control names
    /// (null when neither applies). Only a user turn is answered with a call, so the request that
    /// carries the call's output back is answered with text, directive or not.
    /// </summary>
    public string? FunctionToCall(string? named)
    {
        if (!ResponsesPrompt.EndsWithUserTurn(Input) || ToolChoice is { ValueKind: JsonValueKind.String } none && none.ValueEquals("none"))
        {
            return null;
        }

        var forced = ToolChoice.ValueKind == JsonValueKind.Object && ToolChoice.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : ToolChoice.ValueKind == JsonValueKind.String && ToolChoice.ValueEquals("required") ? Functions.Keys.FirstOrDefault() : null;
        var function = forced ?? named;
        if (function is not null && !Functions.ContainsKey(function))
        {
            throw new InvalidSimRequestException($"No function tool named '{function}' in 'tools': the model can only call a function the request offers.", "tools");
        }

        return function;
    }

    private static Dictionary<string, JsonElement> ReadFunctions(JsonElement body)
    {
        var functions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (!body.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return functions;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidSimRequestException("Invalid type for 'tools': expected an array of objects.", "tools");
        }

        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw new InvalidSimRequestException($"Invalid 'tools[{index}]': expected an object with a string 'type'.", $"tools[{index}]");
            }

            // The Responses API's function tools are flat: name and parameters beside the type.
            if (type.ValueEquals("function"))
            {
                functions[RequestJson.RequiredString(tool, "name", $"Missing required parameter: 'tools[{index}].name'.")] =
                    tool.TryGetProperty("parameters", out var parameters) ? parameters : default;
            }

            index++;
        }

        return functions;
    }
}
