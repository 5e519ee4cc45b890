using System.CommandLine;
using System.Globalization;
using System.Text;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>audit</c> command: the request audit ledger, who did what when and at what cost; <c>audit verify</c> checks its chains.</summary>
internal static class AuditCommands
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var key = TextOption.Create("--key", "Show the requests made with this key (its id, not the secret).", "key-id");
        var user = EntityIdInput.Option("--user", "Show the requests made with any key of this user.", "user-id");
        var limit = BoundedIntOption.Create("--limit", $"How many of the most recent requests to show, 1 to {MaxLimit}.", "n", 1, MaxLimit, DefaultLimit);

        var command = new Command(
            "audit",
            "Show the audited requests of a key or of a user, newest first: who made them, with which model, " +
            "the tokens, cost and outcome, and the total cost. Give exactly one of --key or --user.");
        command.Options.Add(key);
        command.Options.Add(user);
        var range = TimeRangeOptions.AddTo(
            command,
            "Only requests recorded at or after this time: an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).",
            "Only requests recorded before this time (exclusive): an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).");
        command.Options.Add(limit);
        command.Subcommands.Add(AuditVerifyCommand.Build(context));
        command.Validators.Add(result =>
        {
            // 'audit verify' has its own options and checks.
            if (result.Children.OfType<System.CommandLine.Parsing.CommandResult>().Any())
            {
                return;
            }

            if ((result.GetResult(key) is null) == (result.GetResult(user) is null))
            {
                result.AddError("Give exactly one of --key or --user.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var keyId = parseResult.GetTrimmed(key);
            var query = new StringBuilder("audit?")
                .Append(keyId is not null
                    ? "keyId=" + Uri.EscapeDataString(keyId)
                    : "userId=" + Uri.EscapeDataString(parseResult.GetTrimmed(user)!));
            range.AppendTo(query, parseResult).Append("&limit=").Append(parseResult.GetValue(limit).ToString(CultureInfo.InvariantCulture));

            var path = query.ToString();
            return context.RunAsync(
                parseResult,
                (api, ct) => api.GetAsync(path, CliJsonContext.Default.AuditPage, ct),
                Render,
                cancellationToken);
        });
        return command;
    }

    private static void Render(AuditPage page, TextWriter output)
    {
        if (page.Items is not { Count: > 0 } items)
        {
            output.WriteLine("No audited requests.");
            return;
        }

        var table = new Table("TIME (UTC)", "USER", "KEY", "MODEL", "TOKENS", "COST", "OUTCOME", "LATENCY");
        foreach (var item in items)
        {
            table.AddRow(
                Time(item.RecordedAt),
                item.UserId,
                item.KeyId,
                item.Model,
                $"{DisplayFormat.Count(item.InputTokens)}/{DisplayFormat.Count(item.OutputTokens)}",
                DisplayFormat.Usd(item.CostUsd),
                Outcome(item),
                $"{DisplayFormat.Count(item.LatencyMs)} ms");
        }

        table.WriteTo(output);

        // The total covers every request that matched, which --limit may have left out of the table.
        var requests = page.Matched ?? items.Count;
        output.WriteLine(
            $"Total: {DisplayFormat.Usd(page.TotalCostUsd)} over {DisplayFormat.Count(requests)} {(requests == 1 ? "request" : "requests")}");
    }

    private static string Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : DisplayFormat.None;

    private static string Outcome(AuditEntry item)
    {
        var outcome = string.IsNullOrWhiteSpace(item.Outcome) ? DisplayFormat.None : item.Outcome.Trim();
        return string.IsNullOrWhiteSpace(item.Denial) ? outcome : $"{outcome} ({item.Denial.Trim()})";
    }
}
