namespace Gateway.Cli.Output;

/// <summary>Label/value lines with the values aligned in one column; each value stays on its line (<see cref="TerminalText"/>).</summary>
internal sealed class KeyValueList
{
    private readonly List<(string Label, string Value)> rows = [];

    public KeyValueList Add(string label, string? value)
    {
        rows.Add((label, string.IsNullOrEmpty(value) ? DisplayFormat.None : TerminalText.Clean(value)));
        return this;
    }

    public void WriteTo(TextWriter writer, string indent = "")
    {
        ArgumentNullException.ThrowIfNull(writer);
        var width = rows.Count == 0 ? 0 : rows.Max(row => row.Label.Length) + 1;
        foreach (var (label, value) in rows)
        {
            writer.WriteLine($"{indent}{(label + ":").PadRight(width)}  {value}");
        }
    }
}
