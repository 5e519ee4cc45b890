using System.Text.Json;
using Gateway.Simulator.Infrastructure;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// Prompt tokens by OpenAI's documented chat formula: per message 3 + tokens of each field value
/// (role, content, name) + 1 more when a name is present, and 3 to prime the reply.
/// Anthropic input tokens reuse it, with the system prompt counted as one more message.
/// </summary>
internal static class ChatPrompt
{
    public const int TokensPerMessage = 3;
    public const int TokensPerName = 1;
    public const int ReplyPriming = 3;

    /// <param name="messages">A validated array of message objects.</param>
    /// <param name="system">Anthropic's top-level system prompt (string or text blocks), if any.</param>
    public static int Count(JsonElement messages, JsonElement? system = null)
    {
        var total = ReplyPriming;
        if (system is { ValueKind: not JsonValueKind.Null } systemContent)
        {
            total += TokensPerMessage + SimTokenizer.Count("system") + RequestJson.ContentTokens(systemContent);
        }

        foreach (var message in messages.EnumerateArray())
        {
            total += TokensPerMessage;
            if (message.TryGetProperty("role", out var role))
            {
                total += SimTokenizer.Count(role.GetString());
            }

            if (message.TryGetProperty("content", out var content))
            {
                total += RequestJson.ContentTokens(content);
            }

            if (message.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                total += TokensPerName + SimTokenizer.Count(name.GetString());
            }
        }

        return total;
    }

    /// <summary>The text answers are seeded from and directives are read from: the last user turn.</summary>
    public static string LastUserText(JsonElement messages)
    {
        JsonElement? last = null;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.TryGetProperty("role", out var role) && role.ValueEquals("user"))
            {
                last = message;
            }
        }

        return last is { } user && user.TryGetProperty("content", out var content) ? RequestJson.ContentText(content) : string.Empty;
    }

    /// <summary>Messages must be a non-empty array of objects with a string role, as both providers require.</summary>
    public static JsonElement RequireMessages(JsonElement body, string missingMessage)
    {
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidSimRequestException(missingMessage, "messages");
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidSimRequestException("Invalid type for 'messages': expected an array.", "messages");
        }

        if (messages.GetArrayLength() == 0)
        {
            throw new InvalidSimRequestException("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("role", out var role)
                || role.ValueKind != JsonValueKind.String)
            {
                throw new InvalidSimRequestException($"Invalid 'messages[{index}]': expected an object with a string 'role'.", $"messages[{index}]");
            }

            index++;
        }

        return messages;
    }
}
