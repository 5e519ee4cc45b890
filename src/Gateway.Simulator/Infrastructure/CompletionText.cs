using System.Text;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Deterministic answer text: plain English words chosen by a generator seeded from the prompt, so the
/// same prompt always yields the same answer, streaming or not. Lengths are measured with the tokenizer,
/// never estimated, because usage must equal what a client re-counting the text would get.
/// </summary>
internal static class CompletionText
{
    /// <summary>Beyond this an answer is a mistake in a test, not a useful load.</summary>
    public const int MaxTokens = 200_000;

    // Common words that are single tokens with a leading space, so word counts track token counts closely.
    private static readonly string[] Words =
    [
        "the", "model", "answer", "is", "simple", "and", "clear", "with", "a", "small", "set", "of", "words",
        "that", "we", "use", "to", "test", "gateway", "request", "response", "token", "count", "for", "each",
        "time", "data", "value", "system", "stream", "line", "text", "good", "fast", "open", "new", "first",
        "last", "long", "short", "part", "way", "day", "work", "point", "world", "number", "order", "state",
        "high", "low", "real", "true", "next", "same", "other", "many", "more", "most", "some", "very", "well",
        "just", "also",
    ];

    /// <summary>
    /// The answer to a prompt: <paramref name="desiredTokens"/> long, then cut to <paramref name="maxTokens"/>
    /// when that is smaller (which is what makes the finish reason "length").
    /// </summary>
    public static GeneratedText Generate(string? seedText, int desiredTokens, int? maxTokens)
    {
        desiredTokens = Math.Clamp(desiredTokens, 0, MaxTokens);
        var natural = Natural(StableHash.Of(seedText), desiredTokens);
        var naturalTokens = SimTokenizer.Count(natural);
        if (maxTokens is { } limit && naturalTokens > limit)
        {
            var cut = SimTokenizer.Truncate(natural, limit);
            return new GeneratedText(cut, SimTokenizer.Count(cut), Truncated: true);
        }

        return new GeneratedText(natural, naturalTokens, Truncated: false);
    }

    private static string Natural(ulong seed, int tokens)
    {
        if (tokens == 0)
        {
            return string.Empty;
        }

        var random = new DeterministicRandom(seed);
        var builder = new StringBuilder(tokens * 6);
        var wordsLeftInSentence = 0;

        // Every word and full stop is one token, so this over-generates by a margin and the tokenizer trims.
        void Append(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var word = Words[random.Next(Words.Length)];
                if (wordsLeftInSentence == 0)
                {
                    if (builder.Length > 0)
                    {
                        builder.Append(' ');
                    }

                    builder.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
                    wordsLeftInSentence = 6 + random.Next(9);
                }
                else
                {
                    builder.Append(' ').Append(word);
                }

                if (--wordsLeftInSentence == 0)
                {
                    builder.Append('.');
                }

            }
        }

        Append(tokens + 2);
        var text = builder.ToString();
        while (SimTokenizer.Count(text) < tokens)
        {
            Append(tokens - SimTokenizer.Count(text) + 2);
            text = builder.ToString();
        }

        if (tokens == 1)
        {
            return SimTokenizer.Truncate(text, 1);
        }

        // Prefer an answer that ends a sentence, as a model stopping on its own would.
        var body = SimTokenizer.Truncate(text, tokens - 1).TrimEnd();
        if (!body.EndsWith('.'))
        {
            var sentence = body + ".";
            if (SimTokenizer.Count(sentence) == tokens)
            {
                return sentence;
            }
        }

        return SimTokenizer.Truncate(text, tokens);
    }
}
