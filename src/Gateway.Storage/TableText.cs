namespace Gateway.Storage;

/// <summary>
/// Text bounded to what a Table property holds (32K characters; a row 1 MiB): a row storage refuses
/// is an action or a request the audit cannot record.
/// </summary>
public static class TableText
{
    private const string TruncatedMarker = "… (truncated)";

    /// <summary>At most <paramref name="max"/> characters, marked <c>… (truncated)</c> when cut.</summary>
    public static string? Cut(string? text, int max) =>
        text is null || text.Length <= max ? text : Prefix(text, max - TruncatedMarker.Length) + TruncatedMarker;

    /// <summary>At most <paramref name="max"/> characters, never ending in half of a surrogate pair (which storage would mangle).</summary>
    public static string Prefix(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        return char.IsHighSurrogate(text[max - 1]) ? text[..(max - 1)] : text[..max];
    }
}
