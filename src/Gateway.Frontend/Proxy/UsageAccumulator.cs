using System.Text;
using System.Text.Json;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Reads usage out of a provider response as it passes through: OpenAI's usage chunk (or body),
/// the Responses API's completed event, Anthropic's <c>message_start</c> and <c>message_delta</c>.
/// It also notes whether the stream reached its proper end, and keeps the generated text so that a
/// stream cut before its usage arrived can still be charged for what was seen.
/// Counts are kept in <see cref="UsageReport"/>'s one shape: input is every prompt token (OpenAI's
/// prompt tokens include the cached ones; Anthropic's <c>input_tokens</c> excludes its cache reads and
/// writes, which are added), and output includes reasoning (both providers count it there).
/// </summary>
public sealed class UsageAccumulator(ApiDialect dialect, int maxTextChars = 1 << 20)
{
    private readonly StringBuilder _text = new();

    // Anthropic's counts as it states them; each event may restate any of them (message_delta's are cumulative).
    private long? _anthropicUncached;
    private long _anthropicCacheRead;
    private long _anthropicCacheCreation;
    private long _anthropicWrite5m;
    private long _anthropicWrite1h;
    private long? _openAIInput;
    private long _openAICached;

    public long? InputTokens => dialect == ApiDialect.Anthropic
        ? _anthropicUncached is { } uncached ? uncached + _anthropicCacheRead + CacheWriteTotal : null
        : _openAIInput;

    public long? OutputTokens { get; private set; }

    /// <summary>Prompt tokens read from the provider's cache: part of <see cref="InputTokens"/>.</summary>
    public long CachedInputTokens => dialect == ApiDialect.Anthropic ? _anthropicCacheRead : _openAICached;

    /// <summary>
    /// Prompt tokens written to Anthropic's cache for 5 minutes: the stated 5-minute writes, and any
    /// writes the breakdown leaves unexplained (5 minutes is the default TTL, and an older API version
    /// states only the total).
    /// </summary>
    public long CacheWrite5mTokens => _anthropicWrite5m + Math.Max(0, _anthropicCacheCreation - _anthropicWrite5m - _anthropicWrite1h);

    /// <summary>Prompt tokens written to Anthropic's cache for 1 hour.</summary>
    public long CacheWrite1hTokens => _anthropicWrite1h;

    /// <summary>Reasoning tokens as OpenAI states them: already inside <see cref="OutputTokens"/>.</summary>
    public long ReasoningTokens { get; private set; }

    private long CacheWriteTotal => CacheWrite5mTokens + CacheWrite1hTokens;

    /// <summary>The stream's own end marker arrived (<c>[DONE]</c>, <c>message_stop</c>, <c>response.completed</c>).</summary>
    public bool SawEnd { get; private set; }

    /// <summary>The provider reported an error inside a stream that had started as a success.</summary>
    public string? StreamError { get; private set; }

    public bool HasUsage => InputTokens is not null || OutputTokens is not null;

    public string GeneratedText => _text.ToString();

    /// <summary>The provider's usage, with the counted prompt where it stated no input.</summary>
    public UsageReport Reported(long countedPromptTokens) => new(
        InputTokens ?? countedPromptTokens, OutputTokens ?? 0, CachedInputTokens, ReportedByProvider: true,
        CacheWrite5mTokens, CacheWrite1hTokens, ReasoningTokens);

    /// <summary>Takes one SSE event's data; returns false when the event is the usage-only chunk that should be hidden.</summary>
    public bool OnEvent(string data, bool hideUsageChunk) => OnEvent(Encoding.UTF8.GetBytes(data), hideUsageChunk);

    /// <inheritdoc cref="OnEvent(string, bool)"/>
    public bool OnEvent(ReadOnlySpan<byte> data, bool hideUsageChunk)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            SawEnd = true;
            return true;
        }

        if (dialect != ApiDialect.Anthropic && TryChatChunk(data))
        {
            return true;
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(data);
            document = JsonDocument.ParseValue(ref reader);
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
                _anthropicUncached = counted;
                OutputTokens = 0;
                SawEnd = true;
            }
        }
        catch (JsonException)
        {
            // Not JSON (or truncated): no usage to read; settlement falls back to estimates.
        }
    }

    /// <summary>
    /// The common event of an OpenAI stream, a chat chunk carrying text and no usage, read in one pass
    /// without building a document: its choices' <c>delta.content</c> (or <c>text</c>) is kept. False,
    /// with nothing kept, for anything else (usage, tool calls, an error, the Responses API's events),
    /// which <see cref="OnOpenAIEvent"/> then reads whole.
    /// </summary>
    private bool TryChatChunk(ReadOnlySpan<byte> data)
    {
        var kept = _text.Length;
        bool read;
        try
        {
            read = ReadChatChunk(data);
        }
        catch (JsonException)
        {
            // Not JSON after all: the whole-document path decides what it is.
            read = false;
        }

        if (!read)
        {
            _text.Length = kept;
        }

        return read;
    }

    /// <summary>The pass of <see cref="TryChatChunk"/>; false (or a <see cref="JsonException"/>) at anything but a chunk of text.</summary>
    private bool ReadChatChunk(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray && !ReadChoices(ref reader))
                {
                    return false;
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals("usage"u8) || reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>Reads a choices array (the reader on its start) up to its end; false at anything but text.</summary>
    private bool ReadChoices(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            // A choice's delta wins over its text, as in OnOpenAIEvent; either is kept at the choice's end.
            var sawDelta = false;
            int? textStart = null, textEnd = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    sawDelta = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("tool_calls"u8) || reader.ValueTextEquals("function_call"u8))
                        {
                            return false;
                        }

                        var content = reader.ValueTextEquals("content"u8);
                        reader.Read();
                        if (content && reader.TokenType == JsonTokenType.String)
                        {
                            AppendText(ref reader);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else if (reader.ValueTextEquals("text"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        textStart = _text.Length;
                        AppendText(ref reader);
                        textEnd = _text.Length;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (sawDelta && textStart is { } start)
            {
                // Both: only the delta's text counts.
                _text.Remove(start, textEnd!.Value - start);
            }
        }

        return true;
    }

    private void AppendText(ref Utf8JsonReader reader)
    {
        if (_text.Length >= maxTextChars)
        {
            return;
        }

        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        char[]? rented = null;
        var buffer = length <= 256 ? stackalloc char[256] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(length));
        try
        {
            _text.Append(buffer[..reader.CopyString(buffer)]);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<char>.Shared.Return(rented);
            }
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

        if (dialect == ApiDialect.Anthropic)
        {
            ReadAnthropicUsage(usage);
        }
        else if (TryLong(usage, "prompt_tokens") is { } prompt)
        {
            // Chat completions: prompt tokens include the cached ones, completion tokens the reasoning.
            _openAIInput = prompt;
            OutputTokens = TryLong(usage, "completion_tokens") ?? OutputTokens ?? 0;
            _openAICached = Detail(usage, "prompt_tokens_details", "cached_tokens") ?? _openAICached;
            ReasoningTokens = Detail(usage, "completion_tokens_details", "reasoning_tokens") ?? ReasoningTokens;
        }
        else
        {
            // The Responses API: the same, named input and output.
            _openAIInput = TryLong(usage, "input_tokens") ?? _openAIInput;
            OutputTokens = TryLong(usage, "output_tokens") ?? OutputTokens;
            _openAICached = Detail(usage, "input_tokens_details", "cached_tokens") ?? _openAICached;
            ReasoningTokens = Detail(usage, "output_tokens_details", "reasoning_tokens") ?? ReasoningTokens;
        }
    }

    /// <summary>
    /// Anthropic states cache reads and writes outside <c>input_tokens</c>, and the writes once more by
    /// TTL under <c>cache_creation</c>. A count an event leaves out keeps its earlier value: a
    /// <c>message_delta</c> may restate only the output.
    /// </summary>
    private void ReadAnthropicUsage(JsonElement usage)
    {
        _anthropicUncached = TryLong(usage, "input_tokens") ?? _anthropicUncached;
        _anthropicCacheRead = TryLong(usage, "cache_read_input_tokens") ?? _anthropicCacheRead;
        _anthropicCacheCreation = TryLong(usage, "cache_creation_input_tokens") ?? _anthropicCacheCreation;
        _anthropicWrite5m = Detail(usage, "cache_creation", "ephemeral_5m_input_tokens") ?? _anthropicWrite5m;
        _anthropicWrite1h = Detail(usage, "cache_creation", "ephemeral_1h_input_tokens") ?? _anthropicWrite1h;
        OutputTokens = TryLong(usage, "output_tokens") ?? OutputTokens;
    }

    private static long? Detail(JsonElement usage, string details, string property) =>
        usage.TryGetProperty(details, out var d) ? TryLong(d, property) : null;

    private void AppendText(string? text)
    {
        if (text is not null && _text.Length < maxTextChars)
        {
            _text.Append(text);
        }
    }

    // A negative count is no count: it would lower a cost.
    private static long? TryLong(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out var n) && n >= 0 ? n : null;
}
