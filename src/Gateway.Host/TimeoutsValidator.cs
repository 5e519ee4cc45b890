using Gateway.Frontend;
using Gateway.Grains.Keys;
using Microsoft.Extensions.Options;

namespace Gateway.Host;

/// <summary>
/// Timeouts that only make sense together, checked at start-up in every shape (silos and front-ends
/// of one fleet are given the same configuration): a request the front-end still waits on must never
/// look abandoned to the key's sweep, and the intent write must give up well before the Orleans call
/// carrying it does.
/// </summary>
public sealed class TimeoutsValidator(IConfiguration configuration) : IValidateOptions<KeyGrainOptions>
{
    /// <summary>Orleans' own response timeout, which the intent deadline must stay well inside.</summary>
    private static readonly TimeSpan MaxIntentWriteTimeout = TimeSpan.FromSeconds(20);

    public ValidateOptionsResult Validate(string? name, KeyGrainOptions options)
    {
        var frontend = configuration.GetSection(FrontendOptions.Section).Get<FrontendOptions>() ?? new FrontendOptions();
        var failures = new List<string>();
        if (options.IntentWriteTimeout <= TimeSpan.Zero || options.IntentWriteTimeout > MaxIntentWriteTimeout)
        {
            failures.Add($"{KeyGrainOptions.Section}:IntentWriteTimeout must be more than 0 and at most {MaxIntentWriteTimeout.TotalSeconds} s (inside Orleans' 30-second call timeout), got {options.IntentWriteTimeout}.");
        }

        if (frontend.BeginTimeout <= options.IntentWriteTimeout)
        {
            failures.Add($"{FrontendOptions.Section}:BeginTimeout ({frontend.BeginTimeout}) must be longer than {KeyGrainOptions.Section}:IntentWriteTimeout ({options.IntentWriteTimeout}): "
                + "a stalled intent write is the key's grain to refuse, with a denial row, before the front-end stops waiting.");
        }

        if (frontend.RequestTimeout > options.MaxRequestDuration)
        {
            failures.Add($"{FrontendOptions.Section}:RequestTimeout ({frontend.RequestTimeout}) is longer than {KeyGrainOptions.Section}:MaxRequestDuration ({options.MaxRequestDuration}): "
                + "the key's sweep would settle requests the front-end is still serving as unknown. Raise MaxRequestDuration or lower RequestTimeout.");
        }

        if (frontend.LeaseRenewEvery <= TimeSpan.Zero || frontend.LeaseRenewEvery * 2 > options.LeaseTimeout)
        {
            failures.Add($"{FrontendOptions.Section}:LeaseRenewEvery ({frontend.LeaseRenewEvery}) must be positive and at most half of {KeyGrainOptions.Section}:LeaseTimeout ({options.LeaseTimeout}), "
                + "so one lost renewal never makes a live request look abandoned.");
        }

        if (options.SweepInterval <= TimeSpan.Zero || options.AbandonGrace < TimeSpan.Zero || options.DenialAggregationWindow < TimeSpan.Zero || options.StorageRetryAfter <= TimeSpan.Zero)
        {
            failures.Add($"{KeyGrainOptions.Section}: SweepInterval and StorageRetryAfter must be positive; AbandonGrace and DenialAggregationWindow cannot be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
