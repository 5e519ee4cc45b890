using System.CommandLine;
using System.Text;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>--from</c> (included) and <c>--to</c> (excluded) for the commands that read a time range of the
/// ledger: one check that the range is not empty, and one way to put it in the query string.
/// </summary>
internal sealed class TimeRangeOptions
{
    private TimeRangeOptions(Option<DateTimeOffset> from, Option<DateTimeOffset> to)
    {
        From = from;
        To = to;
    }

    public Option<DateTimeOffset> From { get; }

    public Option<DateTimeOffset> To { get; }

    public static TimeRangeOptions AddTo(Command command, string fromDescription, string toDescription)
    {
        var options = new TimeRangeOptions(DateTimeOption.Create("--from", fromDescription), DateTimeOption.Create("--to", toDescription));
        command.Options.Add(options.From);
        command.Options.Add(options.To);
        command.Validators.Add(result =>
        {
            // Compared only when both are valid: one that is not already has its own error.
            if (DateTimeOption.TryGetValid(result.GetResult(options.From), out var start)
                && DateTimeOption.TryGetValid(result.GetResult(options.To), out var end)
                && start >= end)
            {
                result.AddError("--from must be before --to; --to is exclusive, so one day is e.g. --from 2026-11-27 --to 2026-11-28.");
            }
        });
        return options;
    }

    /// <summary>Appends <c>&amp;from=…</c> and <c>&amp;to=…</c> for those given.</summary>
    public StringBuilder AppendTo(StringBuilder query, ParseResult parseResult)
    {
        if (parseResult.GetResult(From) is not null)
        {
            query.Append("&from=").Append(DateTimeOption.ToQueryValue(parseResult.GetValue(From)));
        }

        if (parseResult.GetResult(To) is not null)
        {
            query.Append("&to=").Append(DateTimeOption.ToQueryValue(parseResult.GetValue(To)));
        }

        return query;
    }
}
