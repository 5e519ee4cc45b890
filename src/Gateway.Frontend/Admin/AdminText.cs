using System.Globalization;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Rules for free text an admin gives (names, reasons): it must show something, and it must not
/// carry characters that rewrite how it is displayed: control characters (a newline can forge a row
/// of a table or a log line), line and paragraph separators, bidirectional overrides, or half of a
/// surrogate pair. HTML is fine: text is stored as given and every output encodes it (JSON escapes
/// it, <c>gatewayctl</c> prints it as text).
/// </summary>
public static class AdminText
{
    /// <summary>How much of a caller's value an error message repeats.</summary>
    private const int EchoLength = 80;

    /// <summary>Null when <paramref name="value"/> is acceptable text of 1 to <paramref name="maxLength"/> characters, else why not.</summary>
    public static string? Check(string field, string value, int maxLength)
    {
        if (value.Length == 0 || value.Length > maxLength)
        {
            return $"{field} must be 1 to {maxLength} characters.";
        }

        if (HasForbiddenCharacter(value))
        {
            return $"{field} must not contain control characters (such as newlines or NUL), line separators, bidirectional overrides or unpaired surrogates.";
        }

        return HasVisibleCharacter(value) ? null : $"{field} must contain at least one visible character (not only spaces or invisible characters).";
    }

    /// <summary>A caller's value as an error message may quote it: at most 80 characters, with nothing that breaks a line.</summary>
    public static string Echo(string? value)
    {
        if (value is null)
        {
            return "";
        }

        var shown = value.Length > EchoLength ? value[..EchoLength] + "…" : value;
        return string.Create(shown.Length, shown, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = IsForbidden(source, i) ? '?' : source[i];
            }
        });
    }

    public static bool HasForbiddenCharacter(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (IsForbidden(value, i))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsForbidden(string value, int i)
    {
        var c = value[i];
        if (char.IsHighSurrogate(c))
        {
            return i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]);
        }

        if (char.IsLowSurrogate(c))
        {
            return i == 0 || !char.IsHighSurrogate(value[i - 1]);
        }

        return char.IsControl(c)
            || c is '\u2028' or '\u2029'              // line and paragraph separators
            || c is >= '\u202A' and <= '\u202E'       // bidirectional embeddings and overrides
            || c is >= '\u2066' and <= '\u2069';      // bidirectional isolates
    }

    /// <summary>A letter, digit, mark, punctuation or symbol: not a space, and not a format character such as U+200B.</summary>
    private static bool HasVisibleCharacter(string value)
    {
        for (var i = 0; i < value.Length; i += char.IsSurrogatePair(value, i) ? 2 : 1)
        {
            switch (CharUnicodeInfo.GetUnicodeCategory(value, i))
            {
                case UnicodeCategory.SpaceSeparator:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.Surrogate:
                case UnicodeCategory.OtherNotAssigned:
                case UnicodeCategory.PrivateUse:
                    continue;
                default:
                    return true;
            }
        }

        return false;
    }
}
