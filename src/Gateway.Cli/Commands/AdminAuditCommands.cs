using System.CommandLine;
using System.Globalization;
using System.Text;
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

        var limit = BoundedIntOption.Create("--limit", $"Actions per page, 1 to {MaxLimit}; with --all, per request.", "n", 1, MaxLimit, DefaultLimit);
        var actor = TextOption.Create("--actor", "Only actions of this admin key (its id, as 'admin-keys create' printed it).", "admin-key-id");
        var action = TextOption.Create("--action", "Only this action, e.g. key.update, user.create, adminkey.revoke.", "action");
        var target = TextOption.Create("--target", "Only actions on this target: a key id, user or team id, or admin key id.", "id");
        var cursor = TextOption.Create("--cursor", "Start after this cursor, as printed after 'More:' by the previous page.", "cursor");
        var all = new Option<bool>("--all")
        {
            Description = "Fetch every page and print all matching actions together, instead of one page.",
        };

        var command = new Command(
            "admin-audit",
            "Show admin API actions, newest first: who did what to which resource, and whether it succeeded. One page at a time; filter by actor, action, target and time.");
        command.Options.Add(limit);
        command.Options.Add(actor);
        command.Options.Add(action);
        command.Options.Add(target);
        var range = TimeRangeOptions.AddTo(
            command,
            "Only actions at or after this time: an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).",
            "Only actions before this time (exclusive): an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).");
        command.Options.Add(cursor);
        command.Options.Add(all);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var query = new StringBuilder("limit=").Append(parseResult.GetValue(limit).ToString(CultureInfo.InvariantCulture));
            foreach (var (name, option) in new[] { ("actor", actor), ("action", action), ("target", target) })
            {
                if (parseResult.GetTrimmed(option) is { } value)
                {
                    query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
                }
            }

            range.AppendTo(query, parseResult);
            var filter = query.ToString();
            var start = parseResult.GetTrimmed(cursor);
            var fetchAll = parseResult.GetValue(all);
            return context.RunAsync(
                parseResult,
                (api, ct) => fetchAll
                    ? AllPages.FetchAsync(api, c => PagePath(filter, c), start, CliJsonContext.Default.AdminAuditPage, p => p.Items, p => p.NextCursor, items => new AdminAuditPage(items), ct)
                    : api.GetAsync(PagePath(filter, start), CliJsonContext.Default.AdminAuditPage, ct),
                Render,
                cancellationToken);
        });
        return command;
    }

    private static string PagePath(string filter, string? cursor) =>
        "admin-audit?" + filter + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));

    private static void Render(AdminAuditPage page, TextWriter output)
    {
        if (page.Items is not { Count: > 0 } items)
        {
            output.WriteLine("No admin actions recorded.");
        }
        else
        {
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

        if (page.NextCursor is { } next)
        {
            output.WriteLine(TerminalText.Clean($"More: --cursor {next}"));
        }
    }

    private static string Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : DisplayFormat.None;

    private static string? FirstNonBlank(params string?[] values) =>
        values.FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));

    private static string Result(AdminAuditEntry item)
    {
        var outcome = item.Pending ? "pending (no outcome recorded)"
            : item.Success ? "ok"
            : item.Status is { } status ? "failed " + status.ToString(CultureInfo.InvariantCulture)
            : "failed";
        if (item.Attempts is > 1 and var attempts)
        {
            outcome += $" x{attempts.ToString(CultureInfo.InvariantCulture)}";
        }

        return string.IsNullOrWhiteSpace(item.Detail) || item.Pending ? outcome : Truncate($"{outcome}: {item.Detail.Trim()}");
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
