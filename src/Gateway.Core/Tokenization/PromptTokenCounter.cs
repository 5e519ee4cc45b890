using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Gateway.Core.Tokenization;

/// <summary>
/// Counts prompt tokens with a real tokenizer so that reservations are made on the tokens the
/// provider will bill. Chat follows OpenAI's documented accounting (3 tokens per message, 1 per
/// name, 3 to prime the reply). Parts that are not text (images, audio) are counted at a
/// deliberately high flat rate: an estimate may be high, it must not be low.
/// Every count stops at a limit (the model's context window): past it the prompt could not be
/// served anyway, and a hostile body never costs more tokenizer time than a legitimate one.
/// </summary>
public sealed class PromptTokenCounter
{
    private const int TokensPerMessage = 3;
    private const int TokensPerName = 1;
    private const int ReplyPriming = 3;
    private const int NonTextPartTokens = 1_600;

    // Each tokenizer with the counts of long texts it has counted: an agent's conversation comes back whole every turn.
    private readonly TokenCountCache _o200k;
    private readonly TokenCountCache _cl100k;

    public PromptTokenCounter()
        : this(cacheCounts: true)
    {
    }

    /// <param name="cacheCounts">Keep the counts of long texts (<see cref="TokenCountCache"/>); false tokenizes every text every time.</param>
    public PromptTokenCounter(bool cacheCounts)
    {
        _o200k = new(TiktokenTokenizer.CreateForModel("gpt-4o"), cacheCounts);
        _cl100k = new(TiktokenTokenizer.CreateForModel("gpt-4"), cacheCounts);
    }

    /// <summary>Claude's tokenizer is not public; o200k undercounts it, so its counts get a margin.</summary>
    private const int ClaudeMarginPercent = 25;

    public int CountText(string model, string? text) =>
        string.IsNullOrEmpty(text) ? 0 : TokenizerFor(model).Count(text);

    /// <summary>Prompt tokens of an OpenAI chat completions body.</summary>
    /// <exception cref="PromptTooLongException">The prompt has more than <paramref name="limit"/> tokens.</exception>
    public int CountChat(string model, JsonElement body, int limit = int.MaxValue)
    {
        var budget = new Budget(limit);
        var total = budget.Add(ReplyPriming);
        if (body.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                total += budget.Add(TokensPerMessage);
                if (message.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var property in message.EnumerateObject())
                {
                    total += property.Name switch
                    {
                        "name" => budget.Add(TokensPerName) + CountValue(model, property.Value, budget),
                        _ => CountValue(model, property.Value, budget),
                    };
                }
            }
        }

        total += CountJsonIfPresent(model, body, "tools", budget) + CountJsonIfPresent(model, body, "functions", budget)
            + CountJsonIfPresent(model, body, "response_format", budget);
        return total;
    }

    /// <summary>
    /// Input tokens of a Responses API body, by the chat accounting: <c>instructions</c> as a system
    /// message, a string <c>input</c> as a user message, each input item as a message (its fields'
    /// values, the item's type and ids aside), and the tools as their JSON.
    /// </summary>
    /// <exception cref="PromptTooLongException">The prompt has more than <paramref name="limit"/> tokens.</exception>
    public int CountResponses(string model, JsonElement body, int limit = int.MaxValue)
    {
        var budget = new Budget(limit);
        var total = budget.Add(ReplyPriming);
        if (body.TryGetProperty("instructions", out var instructions) && instructions.ValueKind != JsonValueKind.Null)
        {
            total += budget.Add(TokensPerMessage) + CountBounded(model, "system", budget) + CountValue(model, instructions, budget);
        }

        if (body.TryGetProperty("input", out var input))
        {
            if (input.ValueKind == JsonValueKind.String)
            {
                total += budget.Add(TokensPerMessage) + CountBounded(model, "user", budget) + CountBounded(model, input.GetString(), budget);
            }
            else if (input.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in input.EnumerateArray())
                {
                    total += budget.Add(TokensPerMessage) + (item.ValueKind == JsonValueKind.Object ? CountPart(model, item, budget) : CountValue(model, item, budget));
                }
            }
        }

        return total + CountJsonIfPresent(model, body, "tools", budget) + CountJsonIfPresent(model, body, "text", budget);
    }

    /// <summary>Input tokens of an Anthropic messages body, with the margin Claude's tokenizer needs.</summary>
    /// <exception cref="PromptTooLongException">The prompt has more than <paramref name="limit"/> tokens.</exception>
    public int CountAnthropic(string model, JsonElement body, int limit = int.MaxValue)
    {
        var budget = new Budget(limit);
        var total = budget.Add(ReplyPriming);
        if (body.TryGetProperty("system", out var system))
        {
            total += CountValue(model, system, budget);
        }

        if (body.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                total += budget.Add(TokensPerMessage);
                if (message.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in message.EnumerateObject())
                    {
                        total += CountValue(model, property.Value, budget);
                    }
                }
            }
        }

        total += CountJsonIfPresent(model, body, "tools", budget);
        return model.StartsWith("claude", StringComparison.OrdinalIgnoreCase)
            ? total + (total * ClaudeMarginPercent + 99) / 100
            : total;
    }

    /// <summary>Tokens of a free-form input: a string, an array of strings, or structured items.</summary>
    /// <exception cref="PromptTooLongException">The input has more than <paramref name="limit"/> tokens.</exception>
    public int CountInput(string model, JsonElement input, int limit = int.MaxValue) => CountValue(model, input, new Budget(limit));

    private int CountValue(string model, JsonElement value, Budget budget)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return CountBounded(model, value.GetString(), budget);
            case JsonValueKind.Array:
                var sum = 0;
                foreach (var item in value.EnumerateArray())
                {
                    sum += CountValue(model, item, budget);
                }

                return sum;
            case JsonValueKind.Object:
                return CountPart(model, value, budget);
            case JsonValueKind.Number:
                return budget.Add(1);
            default:
                return 0;
        }
    }

    private int CountPart(string model, JsonElement part, Budget budget)
    {
        var type = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type is "image_url" or "image" or "input_image" or "input_audio" or "document" or "file" or "input_file")
        {
            return budget.Add(NonTextPartTokens);
        }

        var sum = 0;
        foreach (var p in part.EnumerateObject())
        {
            sum += p.Name is "type" or "id" or "tool_call_id" or "tool_use_id" or "call_id" or "cache_control" ? 0 : CountValue(model, p.Value, budget);
        }

        return sum;
    }

    private int CountJsonIfPresent(string model, JsonElement body, string property, Budget budget) =>
        body.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.Array or JsonValueKind.Object
            ? CountBounded(model, value.GetRawText(), budget)
            : 0;

    /// <summary>Counts a text, tokenizing no further than one token past what the budget has left.</summary>
    private int CountBounded(string model, string? text, Budget budget)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var counts = TokenizerFor(model);

        // Every token covers at least one UTF-8 byte, so a text no longer than what is left (even at
        // three bytes a char) fits whatever it holds; only a text that might not is tokenized with a
        // stop (and its partial count is not kept), unless its whole count is known already.
        if ((long)text.Length * 3 <= budget.Remaining)
        {
            return budget.Add(counts.Count(text));
        }

        if (counts.TryGetCount(text, out var known))
        {
            return budget.Add(known);
        }

        counts.Tokenizer.GetIndexByTokenCount(text, budget.Remaining + 1, out _, out var count);
        return budget.Add(count);
    }

    private TokenCountCache TokenizerFor(string model) =>
        model.StartsWith("gpt-4-", StringComparison.OrdinalIgnoreCase) || model.Equals("gpt-4", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("gpt-3.5", StringComparison.OrdinalIgnoreCase) || model.StartsWith("text-embedding", StringComparison.OrdinalIgnoreCase)
            ? _cl100k
            : _o200k;

    /// <summary>Tokens counted so far against the most a prompt may have.</summary>
    private sealed class Budget(int limit)
    {
        private long _used;

        public int Remaining => (int)Math.Max(0, Math.Min(int.MaxValue - 1, limit - _used));

        public int Add(int tokens)
        {
            _used += tokens;
            return _used > limit ? throw new PromptTooLongException(limit) : tokens;
        }
    }
}
