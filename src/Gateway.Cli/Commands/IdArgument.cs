using System.CommandLine;

namespace Gateway.Cli.Commands;

/// <summary>Positional identifier argument (key id, user id, ...) shared by every resource.</summary>
internal static class IdArgument
{
    public static Argument<string> Create(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;

            // "." and ".." survive URL escaping and would then be resolved as path navigation,
            // addressing a different endpoint than the one the operator meant.
            if (string.IsNullOrWhiteSpace(value) || value is "." or "..")
            {
                result.AddError($"'{value}' is not a valid {name}.");
            }
        });
        return argument;
    }
}
