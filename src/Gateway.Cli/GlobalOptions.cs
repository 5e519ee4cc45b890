using System.CommandLine;

namespace Gateway.Cli;

/// <summary>Options accepted by every command, before or after the subcommand name.</summary>
internal sealed class GlobalOptions
{
    public Option<string> Url { get; } = new("--url")
    {
        Description = "Base URL of the gateway. Default: $GATEWAY_URL, else " + CliSettings.DefaultUrl + ".",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string> AdminKey { get; } = new("--admin-key")
    {
        Description = "Admin API key, sent as a bearer token. Default: $GATEWAY_ADMIN_KEY " +
            "(prefer the variable: command-line arguments are visible to other local users).",
        HelpName = "key",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the gateway's JSON response (pretty-printed) instead of human-readable text.",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Url);
        root.Options.Add(AdminKey);
        root.Options.Add(Json);
    }
}
