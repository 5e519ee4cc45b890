using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>
/// The budget options users and teams share: <c>--cap</c> (or <c>--no-cap</c>), <c>--period</c>,
/// <c>--rpm</c>, <c>--tpm</c>; and how a budget is shown.
/// </summary>
internal sealed class BudgetOptions
{
    private BudgetOptions(string owner, SpendControlOptions controls)
    {
        Controls = controls;
        Cap = UsdOption.Create("--cap", $"Spending cap of the {owner} across all its keys, in US dollars, e.g. 500.", "usd", required: false);
        NoCap = new Option<bool>("--no-cap") { Description = $"Remove the {owner}'s cap (spend is still counted)." };
        Period = PeriodOption.Create($"Budget period of the {owner}'s cap: none, daily, weekly or monthly.");
        Rpm = LimitOption.Create("--rpm", $"Requests per minute across all the {owner}'s keys, or '{LimitOption.Unlimited}' to remove the limit.", int.MaxValue);
        Tpm = LimitOption.Create("--tpm", $"Tokens per minute across all the {owner}'s keys, or '{LimitOption.Unlimited}' to remove the limit.", long.MaxValue);
    }

    public Option<decimal> Cap { get; }
    public Option<bool> NoCap { get; }
    public Option<string> Period { get; }
    public Option<Removable<long>> Rpm { get; }
    public Option<Removable<long>> Tpm { get; }

    public SpendControlOptions Controls { get; }

    public Option[] All => [Cap, NoCap, Period, Rpm, Tpm, .. Controls.All];

    public static BudgetOptions AddTo(Command command, string owner)
    {
        var options = new BudgetOptions(owner, SpendControlOptions.AddTo(command, owner));
        foreach (var option in options.All.Except(options.Controls.All))
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetResult(options.Cap) is not null && result.GetResult(options.NoCap) is not null)
            {
                result.AddError("Give --cap or --no-cap, not both.");
            }
        });
        return options;
    }

    /// <summary>Adds the budget fields given on the command line; a removed limit is an explicit null.</summary>
    public void WriteTo(JsonObject body, ParseResult parseResult)
    {
        if (parseResult.GetResult(Cap) is not null)
        {
            body["capUsd"] = parseResult.GetValue(Cap);
        }
        else if (parseResult.GetValue(NoCap))
        {
            body["capUsd"] = null;
        }

        if (parseResult.GetValue(Period) is { } period)
        {
            body["period"] = period;
        }

        if (parseResult.GetValue(Rpm) is { } rpm)
        {
            body["rpm"] = rpm.Value is { } perMinute ? JsonValue.Create(perMinute) : null;
        }

        if (parseResult.GetValue(Tpm) is { } tpm)
        {
            body["tpm"] = tpm.Value is { } perMinute ? JsonValue.Create(perMinute) : null;
        }

        Controls.WriteTo(body, parseResult);
    }

    /// <summary>Cap, period, spend, reservations, what is left, and rate limits with the last minute's use.</summary>
    public static KeyValueList Render(KeyValueList list, BudgetDetails? budget, bool velocity = true)
    {
        if (budget is null)
        {
            return list;
        }

        var period = string.IsNullOrWhiteSpace(budget.Period) ? PeriodOption.None : budget.Period;
        list.Add("Cap", budget.CapUsd is null ? "none" : DisplayFormat.Usd(budget.CapUsd))
            .Add("Period", budget.PeriodResetsAt is { } resets && period != PeriodOption.None ? $"{period} (resets {DisplayFormat.Timestamp(resets)})" : period)
            .Add("Spent", $"{DisplayFormat.Usd(budget.SpentUsd)} ({DisplayFormat.Count(budget.PeriodRequests)} {(budget.PeriodRequests == 1 ? "request" : "requests")})")
            .Add("Reserved", $"{DisplayFormat.Usd(budget.ReservedUsd)} ({DisplayFormat.Count(budget.InFlight)} in flight)")
            .Add("Remaining", budget.RemainingUsd is null ? "no cap" : DisplayFormat.Usd(budget.RemainingUsd))
            .Add("RPM", Rate(budget.Rate?.Rpm, budget.Rate?.RequestsLastMinute ?? 0))
            .Add("TPM", Rate(budget.Rate?.Tpm, budget.Rate?.TokensLastMinute ?? 0));
        if (budget.PastPeriods is { Count: > 0 } past)
        {
            var last = past[^1];
            list.Add("Last period", $"{DisplayFormat.Usd(last.SpentUsd)} ({Day(last.Start)} → {Day(last.End)}, {DisplayFormat.Count(last.Requests)} requests)");
        }

        return SpendControlOptions.Render(list, budget.SpendControls, concurrency: false, velocity);
    }

    /// <summary><c>12 of 60 used in the last minute</c>, or <c>none (12 in the last minute)</c>.</summary>
    public static string Rate(long? limit, long used) =>
        limit is { } max
            ? $"{DisplayFormat.Count(used)} of {DisplayFormat.Count(max)} used in the last minute"
            : $"{LimitOption.Unlimited} ({DisplayFormat.Count(used)} in the last minute)";

    private static string Day(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : DisplayFormat.None;
}
