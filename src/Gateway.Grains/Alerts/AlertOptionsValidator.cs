using Microsoft.Extensions.Options;

namespace Gateway.Grains.Alerts;

public sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        const string S = AlertOptions.Section;
        var failures = new List<string>();
        // The URL is a secret: say what is wrong with it, never what it is.
        if (!string.IsNullOrWhiteSpace(options.WebhookUrl)
            && (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{S}:WebhookUrl must be an absolute http(s) URL (value not shown: it is a secret).");
        }

        var thresholds = options.Thresholds ?? [];
        if (thresholds.Length == 0)
        {
            failures.Add($"{S}:Thresholds must hold at least one percentage.");
        }
        else if (thresholds.Any(t => t is < 1 or > 1000) || thresholds.Zip(thresholds.Skip(1)).Any(p => p.First >= p.Second))
        {
            failures.Add($"{S}:Thresholds must be percentages from 1 to 1000, ascending and distinct; got [{string.Join(", ", thresholds)}].");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add($"{S}:MaxAttempts must be at least 1.");
        }

        if (options.InitialRetryDelay <= TimeSpan.Zero)
        {
            failures.Add($"{S}:InitialRetryDelay must be positive.");
        }

        if (options.MaxRetryDelay < options.InitialRetryDelay)
        {
            failures.Add($"{S}:MaxRetryDelay must be at least InitialRetryDelay.");
        }

        if (options.QueueCapacity < 1)
        {
            failures.Add($"{S}:QueueCapacity must be at least 1.");
        }

        ValidateVelocity(options.Velocity, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateVelocity(VelocityOptions v, List<string> failures)
    {
        const string S = AlertOptions.Section + ":Velocity";
        if (v.Window < TimeSpan.FromMinutes(1) || v.Window > TimeSpan.FromHours(1) || v.Window.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            failures.Add($"{S}:Window must be whole minutes from 1 minute to 1 hour; got {v.Window}.");
            return;
        }

        if (v.Baseline < 2 * v.Window || v.Baseline > TimeSpan.FromDays(7) || v.Baseline.Ticks % v.Window.Ticks != 0)
        {
            failures.Add($"{S}:Baseline must be a whole number of windows, at least two, and at most 7 days; got {v.Baseline}.");
        }

        if (v.MinBaseline < TimeSpan.Zero || v.MinBaseline > v.Baseline)
        {
            failures.Add($"{S}:MinBaseline must be from 0 to Baseline; got {v.MinBaseline}.");
        }

        if (v.Multiple is < 0 or > 1000)
        {
            failures.Add($"{S}:Multiple must be from 0 (off) to 1000; got {v.Multiple}.");
        }

        if (v.MinWindowUsd < 0 || v.MinWindowUsd > 1_000_000 || decimal.Round(v.MinWindowUsd, 6) != v.MinWindowUsd)
        {
            failures.Add($"{S}:MinWindowUsd must be USD from 0 to 1000000 with at most 6 decimals.");
        }

        if (v.UsdPerHour is { } rate && (rate < 0 || rate > 1_000_000 || decimal.Round(rate, 6) != rate))
        {
            failures.Add($"{S}:UsdPerHour must be USD from 0 (off) to 1000000 with at most 6 decimals.");
        }
    }
}
