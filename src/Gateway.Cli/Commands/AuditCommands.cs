using System.CommandLine;
using System.Globalization;
using System.Text;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>
/// The <c>audit</c> command: the request audit ledger, who did what when and at what cost, a page at a
/// time; <c>audit export</c> streams a time range as CSV or JSON Lines; <c>audit verify</c> checks its chains.
/// </summary>
internal static class AuditCommands
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var limit = BoundedIntOption.Create("--limit", $"Requests per page, 1 to {MaxLimit}.", "n", 1, MaxLimit, DefaultLimit);
        var continuation = TextOption.Create("--continuation", "Start where the previous page ended, as printed after 'More:' (with the same scope and filters).", "token");

        var command = new Command(
            "audit",
            "Show audited requests, oldest first, one page at a time: who made them, with which model, the tokens, cost and outcome. " +
            "Give exactly one of --key, --user, --team or --all-keys; filter by model, outcome, request id and time.");
        var query = AuditQueryOptions.AddTo(
            command,
            "Only requests recorded at or after this time: an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).",
            "Only requests recorded before this time (exclusive): an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).");
        command.Options.Add(limit);
        command.Options.Add(continuation);
        command.Subcommands.Add(AuditVerifyCommand.Build(context));
        command.Subcommands.Add(AuditExportCommand.Build(context));
        command.Validators.Add(result =>
        {
            // 'audit verify' and 'audit export' have their own options and checks.
            if (result.Children.OfType<System.CommandLine.Parsing.CommandResult>().Any())
            {
                return;
            }

            if (query.ScopeProblem(result) is { } problem)
            {
                result.AddError(problem);
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = new StringBuilder("audit?").Append(query.ToQuery(parseResult))
                .Append("&limit=").Append(parseResult.GetValue(limit).ToString(CultureInfo.InvariantCulture));
            if (parseResult.GetTrimmed(continuation) is { } token)
            {
                path.Append("&continuation=").Append(Uri.EscapeDataString(token));
            }

            var url = path.ToString();
            return context.RunAsync(
                parseResult,
                (api, ct) => api.GetAsync(url, CliJsonContext.Default.AuditPage, ct),
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
            if (page.Next is { } after)
            {
                // Not expected (a page ends only when full or at the end), but a token is never dropped.
                output.WriteLine(TerminalText.Clean($"More: --continuation {after}"));
            }

            return;
        }

        var table = new Table("TIME (UTC)", "USER", "KEY", "MODEL", "UPSTREAM", "TOKENS", "CACHE R/W5M/W1H", "REASONING", "COST", "OUTCOME", "LATENCY");
        foreach (var item in items)
        {
            table.AddRow(
                Time(item.RecordedAt),
                item.UserId,
                item.KeyId,
                item.Model,
                Upstream(item),
                $"{DisplayFormat.Count(item.InputTokens)}/{DisplayFormat.Count(item.OutputTokens)}",
                Cache(item),
                item.ReasoningTokens == 0 ? DisplayFormat.None : DisplayFormat.Count(item.ReasoningTokens),
                DisplayFormat.Usd(item.CostUsd),
                Outcome(item),
                $"{DisplayFormat.Count(item.LatencyMs)} ms");
        }

        table.WriteTo(output);

        // Money is summed in micro-dollars, exactly, and only over the rows shown.
        var micros = items.Sum(i => i.CostMicros);
        output.WriteLine(
            $"This page: {DisplayFormat.Usd(MicroDollars.Display(micros))} over {DisplayFormat.Count(items.Count)} {(items.Count == 1 ? "request" : "requests")}");
        if (page.Next is { } next)
        {
            output.WriteLine(TerminalText.Clean($"More: --continuation {next}"));
        }
    }

    private static string Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : DisplayFormat.None;

    /// <summary>The upstream that answered, with the number of deployments tried when it failed over.</summary>
    private static string Upstream(AuditEntry item) =>
        item.Upstream is not { Length: > 0 } upstream ? "-" : item.Attempts > 1 ? $"{upstream} ({item.Attempts} tries)" : upstream;

    /// <summary>The parts of the input read from and written to the provider's cache (5 minutes, 1 hour); none shown as such.</summary>
    private static string Cache(AuditEntry item) =>
        item.CachedInputTokens + item.CacheWrite5mTokens + item.CacheWrite1hTokens == 0
            ? DisplayFormat.None
            : $"{DisplayFormat.Count(item.CachedInputTokens)}/{DisplayFormat.Count(item.CacheWrite5mTokens)}/{DisplayFormat.Count(item.CacheWrite1hTokens)}";

    private static string Outcome(AuditEntry item)
    {
        var outcome = string.IsNullOrWhiteSpace(item.Outcome) ? DisplayFormat.None : item.Outcome.Trim();
        return string.IsNullOrWhiteSpace(item.Denial) ? outcome : $"{outcome} ({item.Denial.Trim()})";
    }
}
