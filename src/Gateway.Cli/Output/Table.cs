using System.Text;

namespace Gateway.Cli.Output;

/// <summary>Rows under a header line, each column padded to its widest cell.</summary>
internal sealed class Table(params string[] headers)
{
    private const string ColumnGap = "  ";

    private readonly List<string[]> rows = [];

    public Table AddRow(params string?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}.", nameof(cells));
        }

        rows.Add([.. cells.Select(Clean)]);
        return this;
    }

    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var widths = headers.Select((header, column) => rows.Aggregate(
            header.Length, (width, row) => Math.Max(width, row[column].Length))).ToArray();

        WriteLine(writer, headers, widths);
        foreach (var row in rows)
        {
            WriteLine(writer, row, widths);
        }
    }

    private static void WriteLine(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var column = 0; column < cells.Length; column++)
        {
            if (column > 0)
            {
                line.Append(ColumnGap);
            }

            // The last column is not padded, so lines carry no trailing whitespace.
            line.Append(column == cells.Length - 1 ? cells[column] : cells[column].PadRight(widths[column]));
        }

        writer.WriteLine(line.ToString().TrimEnd());
    }

    // A cell is one line: a newline or tab would break the alignment of every row after it.
    private static string Clean(string? value) =>
        string.IsNullOrEmpty(value) ? DisplayFormat.None : TerminalText.Clean(value);
}
