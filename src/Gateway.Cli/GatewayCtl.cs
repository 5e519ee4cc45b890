using System.CommandLine;
using System.CommandLine.Invocation;
using Gateway.Cli.Commands;

namespace Gateway.Cli;

/// <summary>Entry point of <c>gatewayctl</c>, callable in-process so tests need no child process.</summary>
public static class GatewayCtl
{
    private const string Description =
        "Operator CLI for the AI gateway's admin API.\n\n" +
        "Configuration: GATEWAY_URL (default " + CliSettings.DefaultUrl + ") and GATEWAY_ADMIN_KEY, " +
        "overridable with --url and --admin-key.\n" +
        "Exit codes: 0 success, 1 gateway returned an error, 2 usage or configuration error, 3 gateway unreachable.";

    // Adding a resource (users, teams, admin-keys, usage, audit, prices, upstreams) is one file in Commands/ plus one entry here.
    private static readonly Func<CliContext, Command>[] Resources =
    [
        KeysCommands.Build,
        UsersCommands.Build,
        TeamsCommands.Build,
        AdminKeysCommands.Build,
        AdminAuditCommands.Build,
        AuditCommands.Build,
        UsageCommands.Build,
        PricesCommands.Build,
        UpstreamsCommands.Build,
        ClusterCommands.Build,
    ];

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the process exit code.</summary>
    /// <param name="environment">Replaces the process environment when given, so callers control configuration.</param>
    /// <param name="handler">HTTP handler for calls to the gateway; not disposed, the caller owns it.</param>
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        IReadOnlyDictionary<string, string?>? environment = null,
        HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var globals = new GlobalOptions();
        var context = new CliContext(globals, stdout, stderr, environment, handler);

        var root = new RootCommand(Description);
        globals.AddTo(root);
        foreach (var resource in Resources)
        {
            root.Subcommands.Add(resource(context));
        }

        var parseResult = root.Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            // System.CommandLine reports parse errors with exit code 1, which would be
            // indistinguishable from a gateway error; its help text also belongs on stderr
            // so that a script capturing stdout never mistakes it for output.
            await parseResult.InvokeAsync(new InvocationConfiguration { Output = stderr, Error = stderr });
            return ExitCodes.Usage;
        }

        return await parseResult.InvokeAsync(new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,

            // A configuration built by hand has no termination timeout, and without one Ctrl+C kills
            // the process outright instead of cancelling the request and exiting with 130.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(2),
        });
    }
}
