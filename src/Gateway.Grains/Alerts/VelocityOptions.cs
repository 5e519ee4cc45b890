namespace Gateway.Grains.Alerts;

/// <summary>
/// Velocity alerts (<c>Gateway:Alerts:Velocity</c>): a key's or user's spend over a short window
/// compared with a fixed rate and with a multiple of its own recent normal. Keys and users may
/// override <see cref="UsdPerHour"/> and <see cref="Multiple"/> (docs/spend-controls.md).
/// </summary>
public sealed class VelocityOptions
{
    /// <summary>The short window spend is summed over, in whole minutes (1 min – 1 h). Retry loops show within it.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How much history forms the "normal": the average spend per window over it (a whole number of windows, at most 7 days).</summary>
    public TimeSpan Baseline { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// History a budget must have before the multiple applies: the hours since its creation that its
    /// grain watched or read back from the usage rollups at its first spend after activation; an hour of it keeps a new key
    /// or user from calling anything a spike.
    /// </summary>
    public TimeSpan MinBaseline { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Alert when the window's spend is more than this many times the normal window; 0 turns the rule off.</summary>
    public int Multiple { get; set; } = 10;

    /// <summary>Below this spend in a window the multiple never alerts: cents on a quiet key are not a spike worth a page.</summary>
    public decimal MinWindowUsd { get; set; } = 1.00m;

    /// <summary>Alert when the window's spend, as a rate, passes this many USD per hour; null (default) or 0: no fixed rate.</summary>
    public decimal? UsdPerHour { get; set; }
}
