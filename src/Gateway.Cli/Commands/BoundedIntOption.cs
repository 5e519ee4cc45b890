using System.CommandLine;
using System.Globalization;

namespace Gateway.Cli.Commands;

/// <summary>
/// A whole-number option with bounds, parsed by hand: a validator on the converted value would
/// throw on text that is not a number instead of reporting it as a usage error.
/// </summary>
internal static class BoundedIntOption
{
    public static Option<int> Create(string name, string description, string helpName, int min, int max, int defaultValue)
    {
        var option = new Option<int>(name)
        {
            Description = description,
            HelpName = helpName,
            DefaultValueFactory = _ => defaultValue,
        };
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return defaultValue;
            }

            var text = result.Tokens[0].Value.Trim();
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                result.AddError($"{name} must be a whole number from {min} to {max}, got '{text}'.");
            }

            return value;
        };
        return option;
    }
}
