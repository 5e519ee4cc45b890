using System.Globalization;

namespace Gateway.Cli.Output;

/// <summary>Shared formatting so every resource displays money, times and absences alike.</summary>
internal static class DisplayFormat
{
    /// <summary>Shown for absent values, so a column never looks accidentally empty.</summary>
    public const string None = "-";

    /// <summary>Formats an amount the gateway already rendered in dollars, e.g. <c>"20.00"</c> becomes <c>$20.00</c>.</summary>
    public static string Usd(string? usd) =>
        string.IsNullOrWhiteSpace(usd) ? None
        : usd.StartsWith('$') ? usd
        : usd.StartsWith('-') ? "-$" + usd[1..]
        : "$" + usd;

    /// <summary>UTC, to the second, sortable: operators compare these against logs.</summary>
    public static string Timestamp(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : None;

    public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string List(IReadOnlyList<string>? values, string whenEmpty) =>
        values is { Count: > 0 } ? string.Join(", ", values) : whenEmpty;
}
