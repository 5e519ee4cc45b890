using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Console;

public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    /// <summary>A week at most: a session outliving that is a standing credential, which is what admin keys are for.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    public ValidateOptionsResult Validate(string? name, ConsoleOptions options) =>
        options.SessionLifetime <= TimeSpan.Zero || options.SessionLifetime > MaxLifetime
            ? ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:SessionLifetime must be more than 0 and at most {MaxLifetime.TotalDays} days (it is {options.SessionLifetime}).")
            : ValidateOptionsResult.Success;
}
