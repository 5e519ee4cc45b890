namespace Gateway;

/// <summary>
/// The limits of a user's or a team's budget: a spend cap per period (null: no cap, spend is still
/// counted) and optional requests- and tokens-per-minute limits across all the keys below it.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.BudgetLimits")]
public sealed record BudgetLimits(
    [property: Id(0)] long? CapMicros,
    [property: Id(1)] BudgetPeriod Period,
    [property: Id(2)] int? Rpm,
    [property: Id(3)] long? Tpm,
    [property: Id(4)] SpendControls? Controls = null)
{
    public static readonly BudgetLimits None = new(null, BudgetPeriod.None, null, null);
}

/// <summary>Changes to <see cref="BudgetLimits"/>: null leaves a value as it is; the Clear flags remove a limit.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.BudgetChanges")]
public sealed record BudgetChanges(
    [property: Id(0)] long? CapMicros = null,
    [property: Id(1)] BudgetPeriod? Period = null,
    [property: Id(2)] int? Rpm = null,
    [property: Id(3)] long? Tpm = null,
    [property: Id(4)] bool ClearCap = false,
    [property: Id(5)] bool ClearRpm = false,
    [property: Id(6)] bool ClearTpm = false,
    [property: Id(7)] SpendControlChanges? Controls = null)
{
    public bool IsEmpty => CapMicros is null && Period is null && Rpm is null && Tpm is null && !ClearCap && !ClearRpm && !ClearTpm && Controls is null or { IsEmpty: true };

    public BudgetLimits ApplyTo(BudgetLimits limits) => new(
        ClearCap ? null : CapMicros ?? limits.CapMicros,
        Period ?? limits.Period,
        ClearRpm ? null : Rpm ?? limits.Rpm,
        ClearTpm ? null : Tpm ?? limits.Tpm,
        Controls is { } controls ? controls.ApplyTo(limits.Controls) : limits.Controls);
}
