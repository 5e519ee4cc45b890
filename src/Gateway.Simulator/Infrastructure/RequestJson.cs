using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Reads request bodies as loosely as the providers accept them (content as a string or as blocks,
/// numbers where numbers belong) and rejects them as the providers do otherwise.
/// </summary>
internal static class RequestJson
{
    public static async Task<JsonDocument> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
        }
        catch (JsonException)
        {
            throw new InvalidSimRequestException(
                "We could not parse the JSON body of your request. The API expects a JSON payload, but what was sent was not valid JSON.");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new InvalidSimRequestException("The request body must be a JSON object.");
        }

        return document;
    }

    public static string? OptionalString(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new InvalidSimRequestException($"Invalid type for '{name}': expected a string.", name);
    }

    public static string RequiredString(JsonElement body, string name, string missingMessage) =>
        OptionalString(body, name) is { Length: > 0 } value ? value : throw new InvalidSimRequestException(missingMessage, name);

    public static bool OptionalBool(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value))
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new InvalidSimRequestException($"Invalid type for '{name}': expected a boolean.", name),
        };
    }

    public static int? OptionalInt(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new InvalidSimRequestException($"Invalid type for '{name}': expected an integer.", name);
    }

    /// <summary>A token limit: absent, or at least 1.</summary>
    /// <summary>A count of outputs (<c>n</c>, <c>best_of</c>): 1 when absent, else 1 to 128 as OpenAI accepts.</summary>
    public static int OptionalCount(JsonElement body, string name)
    {
        var value = OptionalInt(body, name) ?? 1;
        return value is < 1 or > 128
            ? throw new InvalidSimRequestException($"Invalid '{name}': expected a value from 1 to 128, but got {value} instead.", name)
            : value;
    }

    public static int? OptionalLimit(JsonElement body, string name)
    {
        var value = OptionalInt(body, name);
        return value is < 1
            ? throw new InvalidSimRequestException($"Invalid '{name}': integer below minimum value. Expected a value >= 1, but got {value} instead.", name)
            : value;
    }

    /// <summary>
    /// Tokens of a message content: a string, or the sum over its text blocks (and the text inside
    /// tool results), each block counted on its own as the documented formula does.
    /// </summary>
    public static int ContentTokens(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => SimTokenizer.Count(content.GetString()),
        JsonValueKind.Array => content.EnumerateArray().Sum(ContentTokens),
        JsonValueKind.Object => BlockText(content) is { } text ? SimTokenizer.Count(text)
            : content.TryGetProperty("content", out var nested) ? ContentTokens(nested) : 0,
        _ => 0,
    };

    /// <summary>The readable text of a content, used to seed answers and find directives.</summary>
    public static string ContentText(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString() ?? string.Empty;
            case JsonValueKind.Array:
                return string.Join('\n', content.EnumerateArray().Select(ContentText).Where(t => t.Length > 0));
            case JsonValueKind.Object:
                if (BlockText(content) is { } text)
                {
                    return text;
                }

                return content.TryGetProperty("content", out var nested) ? ContentText(nested) : string.Empty;
            default:
                return string.Empty;
        }
    }

    private static string? BlockText(JsonElement block) =>
        block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
}
