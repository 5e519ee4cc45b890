namespace Gateway.Grains.Alerts;

/// <summary>
/// What a velocity alert says: the window's spend and which rule it broke: the fixed rate
/// (<see cref="LimitMicrosPerHour"/>) or the multiple of the normal window (<see cref="Multiple"/>, with
/// <see cref="NormalMicros"/>), or both.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.Grains.VelocitySpike")]
public sealed record VelocitySpike(
    [property: Id(0)] TimeSpan Window,
    [property: Id(1)] long WindowMicros,
    [property: Id(2)] long? LimitMicrosPerHour,
    [property: Id(3)] int? Multiple,
    [property: Id(4)] long NormalMicros);
