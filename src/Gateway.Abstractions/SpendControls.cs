namespace Gateway;

/// <summary>
/// Limits against spiky spend, on top of a budget's cap and rate limits (docs/spend-controls.md):
/// per-request ceilings on the worst-case cost and on prompt tokens (keys, users, teams), the
/// requests a key may have in flight at once (keys only), and the velocity alert's fixed rate and
/// multiple of normal (keys and users; null takes the configured default, 0 turns the rule off).
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.SpendControls")]
public sealed record SpendControls(
    [property: Id(0)] long? MaxRequestMicros = null,
    [property: Id(1)] int? MaxInputTokens = null,
    [property: Id(2)] int? MaxConcurrent = null,
    [property: Id(3)] long? VelocityMicrosPerHour = null,
    [property: Id(4)] int? VelocityMultiple = null)
{
    public static readonly SpendControls None = new();
}

/// <summary>Changes to <see cref="SpendControls"/>: null leaves a value as it is; a Clear flag removes it.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.SpendControlChanges")]
public sealed record SpendControlChanges(
    [property: Id(0)] long? MaxRequestMicros = null,
    [property: Id(1)] int? MaxInputTokens = null,
    [property: Id(2)] int? MaxConcurrent = null,
    [property: Id(3)] long? VelocityMicrosPerHour = null,
    [property: Id(4)] int? VelocityMultiple = null,
    [property: Id(5)] bool ClearMaxRequest = false,
    [property: Id(6)] bool ClearMaxInputTokens = false,
    [property: Id(7)] bool ClearMaxConcurrent = false,
    [property: Id(8)] bool ClearVelocityPerHour = false,
    [property: Id(9)] bool ClearVelocityMultiple = false)
{
    public bool IsEmpty => this == new SpendControlChanges();

    public SpendControls ApplyTo(SpendControls? controls)
    {
        var c = controls ?? SpendControls.None;
        return new SpendControls(
            ClearMaxRequest ? null : MaxRequestMicros ?? c.MaxRequestMicros,
            ClearMaxInputTokens ? null : MaxInputTokens ?? c.MaxInputTokens,
            ClearMaxConcurrent ? null : MaxConcurrent ?? c.MaxConcurrent,
            ClearVelocityPerHour ? null : VelocityMicrosPerHour ?? c.VelocityMicrosPerHour,
            ClearVelocityMultiple ? null : VelocityMultiple ?? c.VelocityMultiple);
    }
}
