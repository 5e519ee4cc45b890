using System.Net;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend;

public sealed class FrontendOptionsValidator : IValidateOptions<FrontendOptions>
{
    /// <summary>Orleans' own response timeout is 30 s; the front-end must give up before it.</summary>
    private static readonly TimeSpan MaxBeginTimeout = TimeSpan.FromSeconds(25);

    public ValidateOptionsResult Validate(string? name, FrontendOptions options)
    {
        var failures = new List<string>();
        foreach (var proxy in options.TrustedProxies)
        {
            if (!IPNetwork.TryParse(proxy, out _) && !IPAddress.TryParse(proxy, out _))
            {
                failures.Add($"{FrontendOptions.Section}:TrustedProxies holds '{proxy}', which is neither an IP address nor a CIDR range such as 10.0.0.0/16.");
            }
        }

        if (options.DenialAggregationWindow < TimeSpan.Zero || options.DenialAggregationWindow > TimeSpan.FromHours(1))
        {
            failures.Add($"{FrontendOptions.Section}:DenialAggregationWindow must be between 0 and 1 hour, got {options.DenialAggregationWindow}.");
        }

        if (options.BeginTimeout <= TimeSpan.Zero || options.BeginTimeout > MaxBeginTimeout)
        {
            failures.Add($"{FrontendOptions.Section}:BeginTimeout must be more than 0 and at most {MaxBeginTimeout.TotalSeconds} s (inside Orleans' 30-second call timeout), got {options.BeginTimeout}.");
        }

        if (options.UnavailableRetryAfter <= TimeSpan.Zero || options.SettleRetryFor < TimeSpan.Zero)
        {
            failures.Add($"{FrontendOptions.Section}:UnavailableRetryAfter must be positive and SettleRetryFor cannot be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
