using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Admin;

/// <summary>Refuses admin authentication settings that would lock everyone out or never refuse anyone.</summary>
public sealed class AdminAuthOptionsValidator : IValidateOptions<AdminAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminAuthOptions options)
    {
        var errors = new List<string>();
        if (options.FailedAttemptLimit is < 1 or > 1_000_000)
        {
            errors.Add($"{AdminAuthOptions.Section}:FailedAttemptLimit must be between 1 and 1000000; it is {options.FailedAttemptLimit}.");
        }

        if (options.FailedAttemptWindow < TimeSpan.FromSeconds(1) || options.FailedAttemptWindow > TimeSpan.FromHours(1))
        {
            errors.Add($"{AdminAuthOptions.Section}:FailedAttemptWindow must be between 00:00:01 and 01:00:00; it is {options.FailedAttemptWindow}.");
        }

        if (options.MaxTrackedAddresses is < 1 or > 10_000_000)
        {
            errors.Add($"{AdminAuthOptions.Section}:MaxTrackedAddresses must be between 1 and 10000000; it is {options.MaxTrackedAddresses}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
