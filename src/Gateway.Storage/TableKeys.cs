namespace Gateway.Storage;

/// <summary>Helpers for partition and row keys, which Table Storage restricts.</summary>
public static class TableKeys
{
    /// <summary>Zero-padded so that row keys sort in numeric order.</summary>
    public static string Sequence(long sequence) => sequence.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Replaces the characters Table Storage forbids in keys ('/', '\\', '#', '?', control characters).</summary>
    public static string Sanitize(string value)
    {
        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '/' or '\\' or '#' or '?' || char.IsControl(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    /// <summary>OData string literal for a filter: single quotes doubled.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
