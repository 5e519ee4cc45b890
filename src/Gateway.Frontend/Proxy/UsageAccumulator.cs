using System.Text;
using System.Text.Json;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Reads usage out of a provider response as it passes through: OpenAI's usage chunk (or body),
/// the Responses API's completed event, Anthropic's <c>message_start</c> and <c>message_delta</c>.
/// It also notes whether the stream reached its proper end, and keeps the generated text so that a
/// stream cut before its usage arrived can still be charged for what was seen.
/// </summary>
public sealed class UsageAccumulator(ApiDialect dialect, int maxTextChars = 1 << 20)
{
    private readonly StringBuilder _text = new();

    public long? InputTokens { get; private set; }
    public long? OutputTokens { get; private set; }
    public long CachedInputTokens { get; private set; }

    /// <summary>The stream's own end marker arrived (<c>[DONE]</c>, <c>message_stop</c>, <c>response.completed</c>).</summary>
    public bool SawEnd { get; private set; }

    /// <summary>The provider reported an error inside a stream that had started as a success.</summary>
    public string? StreamError { get; private set; }

    public bool HasUsage => InputTokens is not null || OutputTokens is not null;

    public string GeneratedText => _text.ToString();

    /// <summary>Takes one SSE event; returns false when the event is the usage-only chunk that should be hidden.</summary>
    public bool OnEvent(string data, bool hideUsageChunk)
    {
        if (data == "[DONE]")
        {
            SawEnd = true;
            return true;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data);
        }
        catch (JsonException)
        {
            return true;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return true;
            }

            return dialect == ApiDialect.Anthropic ? OnAnthropicEvent(root) : OnOpenAIEvent(root, hideUsageChunk);
        }
    }

    /// <summary>Takes a whole non-streamed JSON body.</summary>
    public void OnBody(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("usage", out var usage))
            {
                ReadUsage(usage);
                SawEnd = true;
            }
            else if (dialect == ApiDialect.Anthropic && document.RootElement.ValueKind == JsonValueKind.Object && TryLong(document.RootElement, "input_tokens") is { } counted)
            {
                // Token counting answers with the count alone: that is the request's input.
                InputTokens = counted;
                OutputTokens = 0;
                SawEnd = true;
            }
        }
        catch (JsonException)
        {
            // Not JSON (or truncated): no usage to read; settlement falls back to estimates.
        }
    }

    private bool OnOpenAIEvent(JsonElement root, bool hideUsageChunk)
    {
        if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            // Responses API events.
            switch (type.GetString())
            {
                // A function call's arguments are output like text: what a cut stream is charged for.
                case "response.output_text.delta" or "response.function_call_arguments.delta"
                    when root.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.String:
                    AppendText(delta.GetString());
                    break;

                // An incomplete response (max_output_tokens reached) ended properly and is billed
                // like a chat answer cut by max_tokens: completed, with its usage. A failed one is
                // an upstream error, charged for the usage it reports.
                case "response.completed" or "response.incomplete" or "response.failed":
                    if (root.TryGetProperty("response", out var response) && response.TryGetProperty("usage", out var u))
                    {
                        ReadUsage(u);
                    }

                    SawEnd = true;
                    if (type.GetString() == "response.failed")
                    {
                        StreamError = "response.failed";
                    }

                    break;
                case "error":
                    StreamError = root.GetRawText();
                    break;
            }

            return true;
        }

        if (root.TryGetProperty("error", out var error))
        {
            StreamError = error.GetRawText();
            return true;
        }

        var choices = root.TryGetProperty("choices", out var c) && c.ValueKind == JsonValueKind.Array ? c : default;
        if (choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                    {
                        AppendText(content.GetString());
                    }

                    if (delta.TryGetProperty("tool_calls", out var calls))
                    {
                        AppendText(calls.GetRawText());
                    }
                }
                else if (choice.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    AppendText(text.GetString());
                }
            }
        }

        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            ReadUsage(usage);
            var usageOnly = choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() == 0;
            return !(usageOnly && hideUsageChunk);
        }

        return true;
    }

    private bool OnAnthropicEvent(JsonElement root)
    {
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "message_start" when root.TryGetProperty("message", out var message) && message.TryGetProperty("usage", out var usage):
                ReadUsage(usage);
                break;
            case "content_block_delta" when root.TryGetProperty("delta", out var delta):
                if (delta.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    AppendText(text.GetString());
                }
                else if (delta.TryGetProperty("partial_json", out var json) && json.ValueKind == JsonValueKind.String)
                {
                    AppendText(json.GetString());
                }

                break;
            case "message_delta" when root.TryGetProperty("usage", out var deltaUsage):
                // Counts in message_delta are cumulative: they replace, never add.
                ReadUsage(deltaUsage);
                break;
            case "message_stop":
                SawEnd = true;
                break;
            case "error":
                StreamError = root.TryGetProperty("error", out var e) ? e.GetRawText() : "error";
                break;
        }

        return true;
    }

    private void ReadUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (TryLong(usage, "prompt_tokens") is { } prompt)
        {
            InputTokens = prompt;
            OutputTokens = TryLong(usage, "completion_tokens") ?? OutputTokens ?? 0;
            if (usage.TryGetProperty("prompt_tokens_details", out var details) && TryLong(details, "cached_tokens") is { } cached)
            {
                CachedInputTokens = cached;
            }

            return;
        }

        if (dialect == ApiDialect.Anthropic)
        {
            // Anthropic counts cache reads and writes outside input_tokens; the gateway's input is the total.
            var cacheRead = TryLong(usage, "cache_read_input_tokens");
            var cacheWrite = TryLong(usage, "cache_creation_input_tokens");
            if (TryLong(usage, "input_tokens") is { } input)
            {
                InputTokens = input + (cacheRead ?? 0) + (cacheWrite ?? 0);
                CachedInputTokens = cacheRead ?? CachedInputTokens;
            }
        }
        else
        {
            if (TryLong(usage, "input_tokens") is { } input)
            {
                InputTokens = input;
            }

            if (usage.TryGetProperty("input_tokens_details", out var details) && TryLong(details, "cached_tokens") is { } cached)
            {
                CachedInputTokens = cached;
            }
        }

        if (TryLong(usage, "output_tokens") is { } output)
        {
            OutputTokens = output;
        }
    }

    private void AppendText(string? text)
    {
        if (text is not null && _text.Length < maxTextChars)
        {
            _text.Append(text);
        }
    }

    private static long? TryLong(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
}
