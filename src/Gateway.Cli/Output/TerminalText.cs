namespace Gateway.Cli.Output;

/// <summary>
/// Text from the gateway made safe to print: names, reasons and details are stored as given, so a
/// newline or tab would forge a row of a table or a line of output, an escape sequence would reach the
/// operator's terminal, and a bidirectional override would reorder what follows. Each becomes a space.
/// </summary>
internal static class TerminalText
{
    public static string Clean(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsControl(c)
                    || c is '\u2028' or '\u2029'
                    || c is >= '\u202A' and <= '\u202E'
                    || c is >= '\u2066' and <= '\u2069'
                    ? ' '
                    : c;
            }
        });
    }
}
