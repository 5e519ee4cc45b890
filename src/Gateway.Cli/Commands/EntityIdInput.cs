using System.CommandLine;
using Gateway.Core.Ids;

namespace Gateway.Cli.Commands;

/// <summary>
/// User and team ids on the command line, checked by the gateway's own rule (<see cref="EntityId"/>)
/// before anything is sent, so a bad id is a usage error here, not a round trip. Case does not matter:
/// the gateway keeps ids in lower case.
/// </summary>
internal static class EntityIdInput
{
    public static Argument<string> Argument(string name, string description)
    {
        var argument = IdArgument.Create(name, description);
        argument.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && Problem(name, result.Tokens[0].Value) is { } problem)
            {
                result.AddError(problem);
            }
        });
        return argument;
    }

    public static Option<string> Option(string name, string description, string helpName, bool required = false)
    {
        var option = TextOption.Create(name, description, helpName);
        option.Required = required;
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && Problem(name, result.Tokens[0].Value.Trim()) is { } problem)
            {
                result.AddError(problem);
            }
        });
        return option;
    }

    private static string? Problem(string name, string value) =>
        string.IsNullOrWhiteSpace(value) || EntityId.IsValid(value) ? null : $"{name} must be {EntityId.Rule}; got '{Output.TerminalText.Clean(value)}'.";
}
