using System.Text.Json;
using Gateway.Simulator.Infrastructure;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// Input tokens of a Responses API request by the chat formula (<see cref="ChatPrompt"/>): 3 to prime
/// the reply, and per item 3 + the tokens of its text. <c>instructions</c> count as a system message;
/// a string <c>input</c> as one user message; a message item as its role and content; a
/// <c>function_call</c> as its name and arguments; a <c>function_call_output</c> as its output; any
/// other item as its text. Function tools count as the tokens of the <c>tools</c> JSON as sent.
/// </summary>
internal static class ResponsesPrompt
{
    public static int Count(ResponsesRequest request)
    {
        var total = ChatPrompt.ReplyPriming;
        if (request.Instructions is { } instructions)
        {
            total += ChatPrompt.TokensPerMessage + SimTokenizer.Count("system") + SimTokenizer.Count(instructions);
        }

        if (request.Input.ValueKind == JsonValueKind.String)
        {
            total += ChatPrompt.TokensPerMessage + SimTokenizer.Count("user") + SimTokenizer.Count(request.Input.GetString());
        }
        else
        {
            foreach (var item in request.Input.EnumerateArray())
            {
                total += ChatPrompt.TokensPerMessage + ItemTokens(item);
            }
        }

        if (request.Echo.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
        {
            total += SimTokenizer.Count(tools.GetRawText());
        }

        return total;
    }

    /// <summary>The text answers are seeded from and directives are read from: the last user message.</summary>
    public static string LastUserText(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return input.GetString() ?? string.Empty;
        }

        var last = input.EnumerateArray().LastOrDefault(IsUserMessage);
        return last.ValueKind == JsonValueKind.Object && last.TryGetProperty("content", out var content) ? RequestJson.ContentText(content) : string.Empty;
    }

    /// <summary>True when the turn to answer is the user's (not a function's output coming back).</summary>
    public static bool EndsWithUserTurn(JsonElement input) =>
        input.ValueKind == JsonValueKind.String || (input.GetArrayLength() > 0 && IsUserMessage(input[input.GetArrayLength() - 1]));

    /// <summary><c>input</c> must be a string or an array of objects, and every message must have a string role.</summary>
    public static JsonElement RequireInput(JsonElement body)
    {
        if (!body.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidSimRequestException("Missing required parameter: 'input'.", "input");
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            return input;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidSimRequestException("Invalid type for 'input': expected a string or an array of input items.", "input");
        }

        var index = 0;
        foreach (var item in input.EnumerateArray())
        {
            var type = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var isMessage = item.ValueKind == JsonValueKind.Object && (type is null or "message");
            if (item.ValueKind != JsonValueKind.Object || (isMessage && (!item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)))
            {
                throw new InvalidSimRequestException($"Invalid 'input[{index}]': expected an input item object (a message needs a string 'role').", $"input[{index}]");
            }

            index++;
        }

        return input;
    }

    private static int ItemTokens(JsonElement item)
    {
        var type = item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "message";
        return type switch
        {
            "message" => SimTokenizer.Count(item.GetProperty("role").GetString())
                + (item.TryGetProperty("content", out var content) ? RequestJson.ContentTokens(content) : 0),
            "function_call" => StringTokens(item, "name") + StringTokens(item, "arguments"),
            "function_call_output" => item.TryGetProperty("output", out var output) ? RequestJson.ContentTokens(output) : 0,
            _ => RequestJson.ContentTokens(item),
        };
    }

    private static int StringTokens(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? SimTokenizer.Count(value.GetString()) : 0;

    private static bool IsUserMessage(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object
        && item.TryGetProperty("role", out var role) && role.ValueEquals("user")
        && (!item.TryGetProperty("type", out var type) || type.ValueEquals("message"));
}
