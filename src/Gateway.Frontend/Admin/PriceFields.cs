using System.Globalization;
using System.Text.Json;
using Gateway.Core;
using Gateway.Storage.Pricing;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Checks a <see cref="PriceRequest"/> and turns it into a stored price. Amounts are read exactly
/// (decimal, never floating point) and refused rather than rounded when they hold more precision
/// than a micro-dollar per million tokens; each message names the field.
/// </summary>
public static class PriceFields
{
    /// <summary>The dearest price accepted, per million tokens: well above any model sold today, far below what would overflow a cost.</summary>
    public const decimal MaxUsdPerMTok = 10_000m;

    public const int MaxOutputTokens = 10_000_000;
    public const int MaxContextWindow = 100_000_000;
    public const int MaxProviderLength = 64;
    private const int MaxDecimals = 6;

    public static (StoredPrice? Price, string? Error) Parse(string model, PriceRequest request, DateTimeOffset now, string updatedBy)
    {
        var (input, inputError) = Usd("input", request.Input, required: true);
        if (inputError is not null)
        {
            return (null, inputError);
        }

        var (output, outputError) = Usd("output", request.Output, required: true);
        if (outputError is not null)
        {
            return (null, outputError);
        }

        var (cached, cachedError) = Usd("cachedInput", request.CachedInput, required: false);
        if (cachedError is not null)
        {
            return (null, cachedError);
        }

        var (write5m, write5mError) = Usd("cacheWrite5m", request.CacheWrite5m, required: false);
        if (write5mError is not null)
        {
            return (null, write5mError);
        }

        var (write1h, write1hError) = Usd("cacheWrite1h", request.CacheWrite1h, required: false);
        if (write1hError is not null)
        {
            return (null, write1hError);
        }

        if (request.MaxOutputTokens is < 1 or > MaxOutputTokens)
        {
            return (null, $"maxOutputTokens must be a whole number from 1 to {MaxOutputTokens}, or left out.");
        }

        if (request.ContextWindow is < 1 or > MaxContextWindow)
        {
            return (null, $"contextWindow must be a whole number from 1 to {MaxContextWindow}, or left out.");
        }

        if (request.Provider is not null && AdminText.Check("provider", request.Provider, MaxProviderLength) is { } badProvider)
        {
            return (null, badProvider);
        }

        return (new StoredPrice(model, input!.Value, output!.Value, cached ?? input.Value,
            write5m ?? ModelPrice.DefaultCacheWrite5m(input.Value), write1h ?? ModelPrice.DefaultCacheWrite1h(input.Value), request.MaxOutputTokens, request.ContextWindow, request.Provider, now, updatedBy), null);
    }

    /// <summary>USD per million tokens, as a decimal string or a number, in micro-dollars; null when absent and not required.</summary>
    private static (long? Micros, string? Error) Usd(string field, JsonElement value, bool required)
    {
        const string Shape = "USD per million tokens, as a decimal string such as \"2.50\" or a number";
        decimal usd;
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null when !required:
                return (null, null);
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return (null, $"{field} is required: {Shape}.");
            case JsonValueKind.String when decimal.TryParse(value.GetString(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out usd):
            case JsonValueKind.Number when value.TryGetDecimal(out usd):
                break;
            default:
                return (null, $"{field} must be {Shape}.");
        }

        if (usd < 0)
        {
            return (null, $"{field} must be zero or more.");
        }

        if (usd > MaxUsdPerMTok)
        {
            return (null, $"{field} must be at most {MaxUsdPerMTok} USD per million tokens.");
        }

        if (decimal.Round(usd, MaxDecimals) != usd)
        {
            return (null, $"{field} allows at most {MaxDecimals} decimal places (a micro-dollar per million tokens); it would otherwise be rounded.");
        }

        return (Money.FromUsd(usd), null);
    }
}
