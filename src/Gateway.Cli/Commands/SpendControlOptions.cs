using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>
/// The spend-control options (docs/spend-controls.md): <c>--max-request</c> and <c>--max-input-tokens</c>
/// (keys, users, teams), <c>--max-concurrent</c> (keys), <c>--velocity-per-hour</c> and
/// <c>--velocity-multiple</c> (keys, users). <c>none</c> removes a value (for velocity: back to the
/// configured default; 0 turns the rule off). And how they are shown.
/// </summary>
internal sealed class SpendControlOptions
{
    private SpendControlOptions(string owner, bool concurrency, bool velocity)
    {
        MaxRequest = Usd("--max-request", $"Most one request of the {owner} may cost at worst, in US dollars (its reservation), or 'none'.", positive: true);
        MaxInputTokens = Whole("--max-input-tokens", $"Most prompt tokens one request of the {owner} may send, or 'none'.", 1, int.MaxValue);
        MaxConcurrent = concurrency ? Whole("--max-concurrent", "Requests the key may have in flight at once, or 'none'.", 1, 100_000) : null;
        VelocityPerHour = velocity ? Usd("--velocity-per-hour", "Alert when spend over the velocity window passes this many US dollars an hour (0: no fixed rate; 'none': the configured default).", positive: false) : null;
        VelocityMultiple = velocity ? Whole("--velocity-multiple", "Alert when the velocity window's spend is more than this many times its normal (0: off; 'none': the configured default).", 0, 1000) : null;
    }

    public Option<Removable<decimal>> MaxRequest { get; }
    public Option<Removable<long>> MaxInputTokens { get; }
    public Option<Removable<long>>? MaxConcurrent { get; }
    public Option<Removable<decimal>>? VelocityPerHour { get; }
    public Option<Removable<long>>? VelocityMultiple { get; }

    public Option[] All => new Option?[] { MaxRequest, MaxInputTokens, MaxConcurrent, VelocityPerHour, VelocityMultiple }.OfType<Option>().ToArray();

    public static SpendControlOptions AddTo(Command command, string owner)
    {
        var options = new SpendControlOptions(owner, concurrency: owner == "key", velocity: owner != "team");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        return options;
    }

    /// <summary>Adds the fields given on the command line; <c>none</c> is an explicit null.</summary>
    public void WriteTo(JsonObject body, ParseResult parseResult)
    {
        Write(body, "maxRequestUsd", parseResult.GetValue(MaxRequest));
        Write(body, "maxInputTokens", parseResult.GetValue(MaxInputTokens));
        if (MaxConcurrent is not null)
        {
            Write(body, "maxConcurrent", parseResult.GetValue(MaxConcurrent));
        }

        if (VelocityPerHour is not null && VelocityMultiple is not null)
        {
            Write(body, "velocityUsdPerHour", parseResult.GetValue(VelocityPerHour));
            Write(body, "velocityMultiple", parseResult.GetValue(VelocityMultiple));
        }
    }

    /// <summary>Lines for <c>show</c>: each ceiling or limit, or <c>none</c>; velocity settings or <c>default</c>.</summary>
    public static KeyValueList Render(KeyValueList list, SpendControlsDetails? controls, bool concurrency, bool velocity)
    {
        var c = controls ?? new SpendControlsDetails(null, null, null, null, null, null);
        list.Add("Max request", c.MaxRequestUsd is null ? LimitOption.Unlimited : DisplayFormat.Usd(c.MaxRequestUsd))
            .Add("Max input", c.MaxInputTokens is { } tokens ? $"{DisplayFormat.Count(tokens)} tokens" : LimitOption.Unlimited);
        if (concurrency)
        {
            list.Add("Max concurrent", c.MaxConcurrent is { } n ? DisplayFormat.Count(n) : LimitOption.Unlimited);
        }

        if (velocity)
        {
            var rate = c.VelocityUsdPerHour is null ? "default" : $"{DisplayFormat.Usd(c.VelocityUsdPerHour)}/hour";
            var multiple = c.VelocityMultiple is { } m ? $"{m}x normal" : "default";
            list.Add("Velocity", $"{rate}, {multiple}");
        }

        return list;
    }

    private static void Write<T>(JsonObject body, string field, Removable<T>? value)
        where T : struct
    {
        if (value is not null)
        {
            body[field] = value.Value is { } v ? JsonValue.Create(v) : null;
        }
    }

    private static Option<Removable<decimal>> Usd(string name, string description, bool positive)
    {
        var option = new Option<Removable<decimal>>(name) { Description = description, HelpName = "usd|" + LimitOption.Unlimited };
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (string.Equals(text, LimitOption.Unlimited, StringComparison.OrdinalIgnoreCase))
            {
                return new Removable<decimal>(null);
            }

            if (!decimal.TryParse(text.StartsWith('$') ? text[1..] : text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                || (positive && value == 0) || decimal.Round(value, 6) != value)
            {
                result.AddError($"{name} must be an amount in US dollars{(positive ? " above 0" : "")} with at most 6 decimals, such as 0.50, or '{LimitOption.Unlimited}', got '{text}'.");
            }

            return new Removable<decimal>(value);
        };
        return option;
    }

    private static Option<Removable<long>> Whole(string name, string description, long min, long max)
    {
        var option = new Option<Removable<long>>(name) { Description = description, HelpName = "n|" + LimitOption.Unlimited };
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (string.Equals(text, LimitOption.Unlimited, StringComparison.OrdinalIgnoreCase))
            {
                return new Removable<long>(null);
            }

            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                result.AddError($"{name} must be a whole number from {min} to {max}, or '{LimitOption.Unlimited}', got '{text}'.");
            }

            return new Removable<long>(value);
        };
        return option;
    }
}
