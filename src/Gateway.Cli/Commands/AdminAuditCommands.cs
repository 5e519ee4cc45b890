using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>admin-audit</c> command: the log of actions taken through the admin API.</summary>
internal static class AdminAuditCommands
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 1000;

    // Keeps a row on one terminal line; --json has the full detail.
    private const int MaxResultLength = 60;
    private const string Ellipsis = "...";

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var limit = BoundedIntOption.Create("--limit", $"How many of the most recent actions to show, 1 to {MaxLimit}.", "n", 1, MaxLimit, DefaultLimit);

        var command = new Command(
            "admin-audit",
            "Show recent admin API actions, newest first: who did what to which resource, and whether it succeeded.");
        command.Options.Add(limit);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "admin-audit?limit=" + parseResult.GetValue(limit).ToString(CultureInfo.InvariantCulture);
            return context.RunAsync(
                parseResult,
                (api, ct) => api.GetAsync(path, CliJsonContext.Default.AdminAuditPage, ct),
                Render,
                cancellationToken);
        });
        return command;
    }

    private static void Render(AdminAuditPage page, TextWriter output)
    {
        if (page.Items is not { Count: > 0 } items)
        {
            output.WriteLine("No admin actions recorded.");
            return;
        }

        var table = new Table("TIME (UTC)", "ACTOR", "ACTION", "TARGET", "RESULT");
        foreach (var item in items)
        {
            table.AddRow(
                Time(item.At),
                FirstNonBlank(item.ActorName, item.Actor),
                item.Action,
                item.Target,
                Result(item));
        }

        table.WriteTo(output);
    }

    private static string Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : DisplayFormat.None;

    private static string? FirstNonBlank(params string?[] values) =>
        values.FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));

    private static string Result(AdminAuditEntry item)
    {
        var outcome = item.Success ? "ok"
            : item.Status is { } status ? "failed " + status.ToString(CultureInfo.InvariantCulture)
            : "failed";
        return string.IsNullOrWhiteSpace(item.Detail) ? outcome : Truncate($"{outcome}: {item.Detail.Trim()}");
    }

    private static string Truncate(string text)
    {
        if (text.Length <= MaxResultLength)
        {
            return text;
        }

        var cut = MaxResultLength - Ellipsis.Length;

        // Never split a surrogate pair: half of one is not a character any terminal can show.
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut].TrimEnd() + Ellipsis;
    }
}
