using System.CommandLine;
using System.Globalization;
using System.Text;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>usage</c> command: spend per user, team, model or key over a time range.</summary>
internal static class UsageCommands
{
    private static readonly string[] Groupings = ["user", "team", "model", "key"];

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var by = new Option<string>("--by")
        {
            Description = "Group spend by user, team, model or key.",
            HelpName = "user|team|model|key",
            DefaultValueFactory = _ => "user",
        };
        by.CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "user" : result.Tokens[0].Value.Trim().ToLowerInvariant();
            if (!Groupings.Contains(text))
            {
                result.AddError($"--by must be one of {string.Join(", ", Groupings)}, got '{text}'.");
            }

            return text;
        };

        var command = new Command("usage", "Show spend per user, team, model or key for a time range, largest first, with the total.");
        command.Options.Add(by);
        var range = TimeRangeOptions.AddTo(
            command,
            "Start of the range (included): an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC). Default: the start of this UTC month.",
            "End of the range (excluded), same forms. Default: now.");
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = range.AppendTo(new StringBuilder("usage?groupBy=").Append(parseResult.GetValue(by)), parseResult).ToString();
            return context.RunAsync(parseResult, (api, ct) => api.GetAsync(path, CliJsonContext.Default.UsageReport, ct), Render, cancellationToken);
        });
        return command;
    }

    private static void Render(UsageReport report, TextWriter output)
    {
        var range = $"{Time(report.From)} → {Time(report.To)} UTC";
        if (report.Rows is not { Count: > 0 } rows)
        {
            output.WriteLine($"No usage between {range}.");
            return;
        }

        var table = new Table((report.GroupBy ?? "group").ToUpperInvariant(), "REQUESTS", "DENIED", "TOKENS IN", "TOKENS OUT", "CACHE R/W5M/W1H", "REASONING", "COST");
        foreach (var row in rows)
        {
            table.AddRow(row.Group ?? DisplayFormat.None, DisplayFormat.Count(row.Requests), DisplayFormat.Count(row.Denied),
                DisplayFormat.Count(row.InputTokens), DisplayFormat.Count(row.OutputTokens),
                $"{DisplayFormat.Count(row.CachedInputTokens)}/{DisplayFormat.Count(row.CacheWrite5mTokens)}/{DisplayFormat.Count(row.CacheWrite1hTokens)}",
                DisplayFormat.Count(row.ReasoningTokens), DisplayFormat.Usd(row.CostUsd));
        }

        table.WriteTo(output);
        output.WriteLine($"Total: {DisplayFormat.Usd(report.TotalCostUsd)} ({range})");
    }

    private static string Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : DisplayFormat.None;
}
