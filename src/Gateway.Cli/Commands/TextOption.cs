using System.CommandLine;

namespace Gateway.Cli.Commands;

/// <summary>
/// A free-text option (name, email, user or team id) that, when given, must not be blank: the
/// gateway would either reject an empty value or store it, and neither is what the operator meant.
/// </summary>
internal static class TextOption
{
    public static Option<string> Create(string name, string description, string helpName)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            HelpName = helpName,
        };
        option.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError($"{name} must not be empty.");
            }
        });
        return option;
    }

    /// <summary>The option's value without surrounding whitespace, or null when it was not given.</summary>
    public static string? GetTrimmed(this ParseResult parseResult, Option<string> option)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return parseResult.GetValue(option)?.Trim();
    }
}
