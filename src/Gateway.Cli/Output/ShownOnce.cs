namespace Gateway.Cli.Output;

/// <summary>Prints a newly issued secret, set apart, with the warning that it will never be shown again.</summary>
internal static class ShownOnce
{
    public static void Write(TextWriter output, string headline, string? secret)
    {
        output.WriteLine(TerminalText.Clean(headline));
        output.WriteLine();
        output.WriteLine($"    {secret ?? DisplayFormat.None}");
        output.WriteLine();
        output.WriteLine("This key is shown only once and cannot be retrieved later. Store it securely now.");
    }
}
