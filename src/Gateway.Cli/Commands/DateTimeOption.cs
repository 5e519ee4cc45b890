using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Gateway.Cli.Commands;

/// <summary>
/// A point in time given on the command line: an ISO-8601 date-time with <c>Z</c> or an offset, or a
/// plain date meaning midnight UTC. Parsed by hand, like <see cref="BoundedIntOption"/>, so that text the
/// converter would misread, or a time with no zone, is a usage error rather than a guess or a throw.
/// </summary>
internal static class DateTimeOption
{
    // A time without 'Z' or an offset would be read in whatever zone this machine happens to be in, so it
    // is refused; a plain date has no time of day to misplace and means the start of that day in UTC.
    /// <summary>Instants: a date-time with 'Z' or an offset.</summary>
    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mmzzz",
        "yyyy-MM-dd'T'HH:mm'Z'",
    ];

    /// <summary>Instants, or a plain date meaning its midnight UTC.</summary>
    private static readonly string[] Formats = [.. InstantFormats, "yyyy-MM-dd"];

    /// <summary>The option; it has a result in the parse only when it was given.</summary>
    public static Option<DateTimeOffset> Create(string name, string description)
    {
        var option = new Option<DateTimeOffset>(name)
        {
            Description = description,
            HelpName = "date-time",
        };
        option.CustomParser = result =>
        {
            var text = Text(result.Tokens);
            if (TryParse(text, out var value))
            {
                return value;
            }

            result.AddError(
                $"{name} must be an ISO-8601 date-time with 'Z' or an offset, such as 2026-11-27T09:30:00Z " +
                $"or 2026-11-27T09:30:00+01:00, or a date such as 2026-11-27 (midnight UTC), got '{text}'.");
            return default;
        };
        return option;
    }

    /// <summary>
    /// The option's value when it was given and is valid. For validators that compare it with another
    /// option: reading the value of an option whose parser reported an error throws instead.
    /// </summary>
    public static bool TryGetValid(OptionResult? result, out DateTimeOffset value)
    {
        value = default;
        return result is not null && TryParse(Text(result.Tokens), out value);
    }

    /// <summary>Formats an instant for a query string: UTC, ISO-8601, no more digits than it needs.</summary>
    public static string ToQueryValue(DateTimeOffset value) =>
        Uri.EscapeDataString(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));

    private static string Text(IReadOnlyList<Token> tokens) =>
        tokens.Count > 0 ? tokens[0].Value.Trim() : "";

    private static bool TryParse(string text, out DateTimeOffset value) => TryParse(text, allowDate: true, out value);

    /// <summary>
    /// Parses an ISO-8601 date-time with 'Z' or an offset, and with <paramref name="allowDate"/> a plain
    /// date (midnight UTC). RFC 3339 allows a lower-case 't' and 'z'; nothing else in the formats has letters.
    /// </summary>
    public static bool TryParse(string text, bool allowDate, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(
            text.ToUpperInvariant(),
            allowDate ? Formats : InstantFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal,
            out value);
}
