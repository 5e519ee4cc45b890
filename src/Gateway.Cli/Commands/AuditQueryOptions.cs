using System.CommandLine;
using System.Text;

namespace Gateway.Cli.Commands;

/// <summary>
/// The scope and filters of an audit query, shared by <c>audit</c> and <c>audit export</c>: exactly one of
/// <c>--key</c>, <c>--user</c>, <c>--team</c> or <c>--all-keys</c>, then <c>--model</c>, <c>--outcome</c>,
/// <c>--request-id</c>, <c>--from</c> and <c>--to</c>, put in the query string the gateway checks again.
/// </summary>
internal sealed class AuditQueryOptions
{
    private const string OneScope = "Give exactly one of --key, --user, --team or --all-keys.";

    private readonly Option<string> key = TextOption.Create("--key", "Requests made with this key (its id, not the secret).", "key-id");
    private readonly Option<string> user = EntityIdInput.Option("--user", "Requests made with any key of this user.", "user-id");
    private readonly Option<string> team = EntityIdInput.Option("--team", "Requests made with any key of the team's current members.", "team-id");
    private readonly Option<bool> allKeys = new("--all-keys")
    {
        Description = "Requests of every key: an unscoped report that reads the whole ledger, in key order rather than time order.",
    };

    private readonly Option<string> model = TextOption.Create("--model", "Only requests for this model (exact id).", "model");
    private readonly Option<string> outcome = TextOption.Create(
        "--outcome", "Only requests that ended so: completed, upstream_error, client_aborted, timeout, unknown or denied.", "outcome");

    private readonly Option<string> requestId = TextOption.Create("--request-id", "Only the request with this id (the x-gateway-request-id header).", "id");

    private AuditQueryOptions(TimeRangeOptions range) => Range = range;

    public TimeRangeOptions Range { get; }

    public static AuditQueryOptions AddTo(Command command, string fromDescription, string toDescription)
    {
        ArgumentNullException.ThrowIfNull(command);
        var range = TimeRangeOptions.AddTo(command, fromDescription, toDescription);
        var options = new AuditQueryOptions(range);
        foreach (var option in new Option[] { options.key, options.user, options.team, options.allKeys, options.model, options.outcome, options.requestId })
        {
            command.Options.Add(option);
        }

        return options;
    }

    /// <summary>The check that exactly one scope is given, for the command's validator.</summary>
    public string? ScopeProblem(System.CommandLine.Parsing.CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var given = new[] { result.GetResult(key) is not null, result.GetResult(user) is not null, result.GetResult(team) is not null, result.GetValue(allKeys) }
            .Count(g => g);
        return given == 1 ? null : OneScope;
    }

    /// <summary>The query string: scope, filters and range, each value escaped.</summary>
    public string ToQuery(ParseResult parseResult)
    {
        var query = new StringBuilder();
        if (parseResult.GetTrimmed(key) is { } keyId)
        {
            Append(query, "keyId", keyId);
        }
        else if (parseResult.GetTrimmed(user) is { } userId)
        {
            Append(query, "userId", userId);
        }
        else if (parseResult.GetTrimmed(team) is { } teamId)
        {
            Append(query, "teamId", teamId);
        }
        else
        {
            Append(query, "all", "true");
        }

        foreach (var (name, option) in new[] { ("model", model), ("outcome", outcome), ("requestId", requestId) })
        {
            if (parseResult.GetTrimmed(option) is { } value)
            {
                Append(query, name, value);
            }
        }

        return Range.AppendTo(query, parseResult).ToString();
    }

    private static void Append(StringBuilder query, string name, string value) =>
        query.Append(query.Length == 0 ? "" : "&").Append(name).Append('=').Append(Uri.EscapeDataString(value));
}
