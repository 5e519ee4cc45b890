using System.CommandLine;

namespace Gateway.Cli.Commands;

/// <summary>
/// A key's budget period: <c>none</c>, <c>daily</c>, <c>weekly</c> or <c>monthly</c>, in any case.
/// Parsed by hand, like <see cref="LimitOption"/>, so that bad text is a usage error; the value is
/// the lower-case name the gateway expects.
/// </summary>
internal static class PeriodOption
{
    public const string None = "none";

    private static readonly string[] Periods = [None, "daily", "weekly", "monthly"];

    public static Option<string> Create(string description)
    {
        var option = new Option<string>("--period")
        {
            Description = description,
            HelpName = string.Join('|', Periods),
        };
        option.CompletionSources.Add(Periods);
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            var period = text.ToLowerInvariant();
            if (!Periods.Contains(period, StringComparer.Ordinal))
            {
                result.AddError($"--period must be one of {string.Join(", ", Periods)}, got '{text}'.");
                return null;
            }

            return period;
        };
        return option;
    }
}
