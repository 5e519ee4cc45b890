using System.Diagnostics.CodeAnalysis;

namespace Gateway.Core.Pricing;

/// <summary>
/// The names a price can be set for: what providers call their models (<c>gpt-4o</c>,
/// <c>claude-sonnet-4-5-20250929</c>, <c>meta-llama/Llama-3.1-8B-Instruct</c>, <c>qwen2.5:7b</c>),
/// and <c>*</c>, the price of any model with none of its own. Names are case-insensitive, as the
/// price table looks them up; the stored row key is the lower-cased name with <c>/</c> (which a row
/// key cannot hold) written as <c>|</c> (which a name cannot).
/// </summary>
public static class PricedModelName
{
    public const int MaxLength = 128;

    /// <summary>The name of the default price.</summary>
    public const string Default = "*";

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1 to 128 letters, digits, '.', '_', '-', ':', '/' or '@', starting with a letter or digit (or '*' for the default price)";

    public static bool IsValid([NotNullWhen(true)] string? name)
    {
        if (name == Default)
        {
            return true;
        }

        if (name is null || name.Length is 0 or > MaxLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':' or '/' or '@'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The row key a valid name is stored under: one row per model, whatever the case it was given in.</summary>
    public static string RowKey(string name) => name.ToLowerInvariant().Replace('/', '|');
}
