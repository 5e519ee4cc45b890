namespace Gateway.Cli.Api;

/// <summary>A key's, user's or team's spend controls as the admin API returns them; null: not set (velocity: the default applies).</summary>
internal sealed record SpendControlsDetails(
    long? MaxRequestMicros,
    string? MaxRequestUsd,
    long? MaxInputTokens,
    long? MaxConcurrent,
    string? VelocityUsdPerHour,
    long? VelocityMultiple);
