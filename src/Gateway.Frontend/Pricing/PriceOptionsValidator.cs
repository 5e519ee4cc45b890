using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Pricing;

/// <summary>Refuses a refresh interval that would hammer storage or leave a price change unapplied for long.</summary>
public sealed class PriceOptionsValidator : IValidateOptions<PriceOptions>
{
    public static readonly TimeSpan MinRefresh = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRefresh = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, PriceOptions options) =>
        options.RefreshInterval < MinRefresh || options.RefreshInterval > MaxRefresh
            ? ValidateOptionsResult.Fail($"{PriceOptions.Section}:RefreshInterval must be between {MinRefresh} and {MaxRefresh}; it is {options.RefreshInterval}.")
            : ValidateOptionsResult.Success;
}
