using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Gateway.Core.Tokenization;

/// <summary>
/// Counts prompt tokens with a real tokenizer so that reservations are made on the tokens the
/// provider will bill. Chat follows OpenAI's documented accounting (3 tokens per message, 1 per
/// name, 3 to prime the reply). Parts that are not text (images, audio) are counted at a
/// deliberately high flat rate: an estimate may be high, it must not be low.
/// </summary>
public sealed class PromptTokenCounter
{
    private const int TokensPerMessage = 3;
    private const int TokensPerName = 1;
    private const int ReplyPriming = 3;
    private const int NonTextPartTokens = 1_600;

    private readonly Tokenizer _o200k = TiktokenTokenizer.CreateForModel("gpt-4o");
    private readonly Tokenizer _cl100k = TiktokenTokenizer.CreateForModel("gpt-4");

    /// <summary>Claude's tokenizer is not public; o200k undercounts it, so its counts get a margin.</summary>
    private const int ClaudeMarginPercent = 25;

    public int CountText(string model, string? text) =>
        string.IsNullOrEmpty(text) ? 0 : TokenizerFor(model).CountTokens(text);

    /// <summary>Prompt tokens of an OpenAI chat completions body.</summary>
    public int CountChat(string model, JsonElement body)
    {
        var total = ReplyPriming;
        if (body.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                total += TokensPerMessage;
                if (message.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var property in message.EnumerateObject())
                {
                    total += property.Name switch
                    {
                        "name" => TokensPerName + CountValue(model, property.Value),
                        _ => CountValue(model, property.Value),
                    };
                }
            }
        }

        total += CountJsonIfPresent(model, body, "tools") + CountJsonIfPresent(model, body, "functions") + CountJsonIfPresent(model, body, "response_format");
        return total;
    }

    /// <summary>Input tokens of an Anthropic messages body, with the margin Claude's tokenizer needs.</summary>
    public int CountAnthropic(string model, JsonElement body)
    {
        var total = ReplyPriming;
        if (body.TryGetProperty("system", out var system))
        {
            total += CountValue(model, system);
        }

        if (body.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                total += TokensPerMessage;
                if (message.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in message.EnumerateObject())
                    {
                        total += CountValue(model, property.Value);
                    }
                }
            }
        }

        total += CountJsonIfPresent(model, body, "tools");
        return model.StartsWith("claude", StringComparison.OrdinalIgnoreCase)
            ? total + (total * ClaudeMarginPercent + 99) / 100
            : total;
    }

    /// <summary>Tokens of a free-form input: a string, an array of strings, or structured items.</summary>
    public int CountInput(string model, JsonElement input) => CountValue(model, input);

    private int CountValue(string model, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => CountText(model, value.GetString()),
        JsonValueKind.Array => value.EnumerateArray().Sum(item => CountValue(model, item)),
        JsonValueKind.Object => CountPart(model, value),
        JsonValueKind.Number => 1,
        _ => 0,
    };

    private int CountPart(string model, JsonElement part)
    {
        var type = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return type switch
        {
            "image_url" or "image" or "input_image" or "input_audio" or "document" or "file" or "input_file" => NonTextPartTokens,
            _ => part.EnumerateObject().Sum(p => p.Name is "type" or "id" or "tool_call_id" or "tool_use_id" or "cache_control" ? 0 : CountValue(model, p.Value)),
        };
    }

    private int CountJsonIfPresent(string model, JsonElement body, string property) =>
        body.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.Array or JsonValueKind.Object
            ? CountText(model, value.GetRawText())
            : 0;

    private Tokenizer TokenizerFor(string model) =>
        model.StartsWith("gpt-4-", StringComparison.OrdinalIgnoreCase) || model.Equals("gpt-4", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("gpt-3.5", StringComparison.OrdinalIgnoreCase) || model.StartsWith("text-embedding", StringComparison.OrdinalIgnoreCase)
            ? _cl100k
            : _o200k;
}
