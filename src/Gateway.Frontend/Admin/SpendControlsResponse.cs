using Gateway.Core;

namespace Gateway.Frontend.Admin;

/// <summary>
/// A key's, user's or team's spend controls as the admin API shows them: ceilings as micro-dollars and a
/// USD string, the velocity rate as a USD string; null where none is set (velocity: the default applies).
/// </summary>
public sealed record SpendControlsResponse(
    long? MaxRequestMicros,
    string? MaxRequestUsd,
    int? MaxInputTokens,
    int? MaxConcurrent,
    string? VelocityUsdPerHour,
    int? VelocityMultiple)
{
    public static SpendControlsResponse From(SpendControls? controls)
    {
        var c = controls ?? SpendControls.None;
        return new SpendControlsResponse(c.MaxRequestMicros, c.MaxRequestMicros is { } m ? Money.ToUsd(m) : null, c.MaxInputTokens, c.MaxConcurrent,
            c.VelocityMicrosPerHour is { } v ? Money.ToUsd(v) : null, c.VelocityMultiple);
    }
}
