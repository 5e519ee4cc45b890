using Microsoft.ML.Tokenizers;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// The o200k_base tokenizer, loaded once per process: loading the vocabulary takes a noticeable
/// fraction of a second and the instance is thread-safe, so every app instance (tests start many) shares it.
/// </summary>
internal static class SimTokenizer
{
    private static readonly Lazy<Tokenizer> Lazy = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

    public static Tokenizer Instance => Lazy.Value;

    public static int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : Instance.CountTokens(text);

    /// <summary>The longest prefix of <paramref name="text"/> that re-tokenizes to at most <paramref name="maxTokens"/> tokens.</summary>
    public static string Truncate(string text, int maxTokens)
    {
        if (maxTokens <= 0)
        {
            return string.Empty;
        }

        var index = Instance.GetIndexByTokenCount(text, maxTokens, out _, out _);
        var prefix = text[..index];

        // A token boundary inside a pre-token can re-tokenize into more pieces; drop characters until it fits.
        while (prefix.Length > 0 && Count(prefix) > maxTokens)
        {
            prefix = prefix[..^1];
        }

        return prefix;
    }

    /// <summary>Splits text into consecutive pieces of <paramref name="tokensPerPiece"/> tokens whose concatenation is the text.</summary>
    public static List<string> Split(string text, int tokensPerPiece)
    {
        var pieces = new List<string>();
        if (text.Length == 0)
        {
            return pieces;
        }

        var tokens = Instance.EncodeToTokens(text, out _);
        var step = Math.Max(1, tokensPerPiece);
        var start = 0;
        for (var i = step; i < tokens.Count; i += step)
        {
            var end = tokens[i].Offset.Start.GetOffset(text.Length);
            if (end > start)
            {
                pieces.Add(text[start..end]);
                start = end;
            }
        }

        pieces.Add(text[start..]);
        return pieces;
    }
}
