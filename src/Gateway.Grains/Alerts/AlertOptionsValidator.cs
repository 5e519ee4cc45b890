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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
