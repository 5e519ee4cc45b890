using Gateway.Core;
using Gateway.Storage.Pricing;

namespace Gateway.Frontend.Admin;

/// <summary>A model's price as the admin API shows it: USD per million tokens as exact strings, the same in micro-dollars, and the row's version (its ETag).</summary>
public sealed record PriceResponse(
    string Model,
    string Input,
    string Output,
    string CachedInput,
    string CacheWrite5m,
    string CacheWrite1h,
    long InputMicrosPerMTok,
    long OutputMicrosPerMTok,
    long CachedInputMicrosPerMTok,
    long CacheWrite5mMicrosPerMTok,
    long CacheWrite1hMicrosPerMTok,
    int? MaxOutputTokens,
    int? ContextWindow,
    string? Provider,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    string? Version)
{
    public static PriceResponse From(StoredPrice price) => new(
        price.Model, Usd(price.InputMicrosPerMTok), Usd(price.OutputMicrosPerMTok), Usd(price.CachedInputMicrosPerMTok),
        Usd(price.CacheWrite5mMicrosPerMTok), Usd(price.CacheWrite1hMicrosPerMTok),
        price.InputMicrosPerMTok, price.OutputMicrosPerMTok, price.CachedInputMicrosPerMTok,
        price.CacheWrite5mMicrosPerMTok, price.CacheWrite1hMicrosPerMTok,
        price.MaxOutputTokens, price.ContextWindow, price.Provider, price.UpdatedAt, price.UpdatedBy, price.Version);

    /// <summary>Exact, with as many decimals as the amount has (at least two): "0.075", "10.00".</summary>
    private static string Usd(long micros) => Money.ToUsd(micros);
}
