using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.Frontend;

/// <summary>
/// Text a JSON parser accepts but no string can hold: bytes that are not UTF-8, and <c>\u</c>
/// escapes that decode to a lone UTF-16 surrogate (<c>"\ud800"</c>). .NET throws when such a
/// string is read, so every body is checked for them before anything reads a field.
/// </summary>
public static class StrictJson
{
    public const int MaxDepth = 64;

    /// <summary>Why the bytes hold text no string can, or null when they hold none (JSON syntax errors are the parser's to report).</summary>
    public static string? FindInvalidText(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return "the body is not valid UTF-8";
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return $"a string at byte {reader.TokenStartIndex} holds an escape that is not valid Unicode (a lone surrogate such as \\ud800)";
        }

        return null;
    }
}
