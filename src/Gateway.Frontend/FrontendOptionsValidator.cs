using System.Net;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend;

public sealed class FrontendOptionsValidator : IValidateOptions<FrontendOptions>
{
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
