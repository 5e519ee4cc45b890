using System.CommandLine;
using System.Globalization;

namespace Gateway.Cli.Commands;

/// <summary>
/// A rate limit that can be set to a whole number of at least 1 or removed with <c>none</c>. Parsed
/// by hand, like <see cref="BoundedIntOption"/>, so that bad text is a usage error.
/// </summary>
internal static class LimitOption
{
    public const string Unlimited = "none";

    public static Option<Removable<long>> Create(string name, string description, long max)
    {
        var option = new Option<Removable<long>>(name)
        {
            Description = description,
            HelpName = "n|" + Unlimited,
        };
        option.CompletionSources.Add(Unlimited);
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (string.Equals(text, Unlimited, StringComparison.OrdinalIgnoreCase))
            {
                return new Removable<long>(null);
            }

            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < 1)
            {
                result.AddError($"{name} must be a whole number of at least 1, or '{Unlimited}' to remove the limit, got '{text}'.");
            }
            else if (value > max)
            {
                result.AddError($"{name} must be at most {max}, got {text}.");
            }

            return new Removable<long>(value);
        };
        return option;
    }
}
