using System.CommandLine;
using System.Globalization;

namespace Gateway.Cli.Commands;

/// <summary>
/// An amount in US dollars (a key's spending cap), parsed by hand so that every command reads money
/// the same way and bad text is reported as a usage error rather than thrown by a converter.
/// </summary>
internal static class UsdOption
{
    // Money is held in micro-dollars by the gateway; a finer amount could only be rounded silently.
    private const int MaxDecimals = 6;

    public static Option<decimal> Create(string name, string description, string helpName, bool required)
    {
        var option = new Option<decimal>(name)
        {
            Description = description,
            HelpName = helpName,
            Required = required,
        };
        option.CustomParser = result =>
        {
            // Parsed here rather than by the default converter so that a decimal comma ("12,5") is an
            // error instead of a thousands separator making it 125, and so a stray '$' is forgiven.
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (!decimal.TryParse(
                    text.StartsWith('$') ? text[1..] : text,
                    NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture,
                    out var value))
            {
                result.AddError($"{name} must be an amount in US dollars such as 20 or 12.5, got '{text}'.");
            }
            else if (value < 0)
            {
                result.AddError($"{name} must be zero or more, got {text}.");
            }
            else if (decimal.Round(value, MaxDecimals) != value)
            {
                result.AddError($"{name} allows at most {MaxDecimals} decimal places (micro-dollars), got {text}.");
            }

            return value;
        };
        return option;
    }
}
