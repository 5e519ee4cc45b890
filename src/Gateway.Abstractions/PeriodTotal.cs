namespace Gateway;

/// <summary>A finished budget period of a key: what was spent in it, over how many requests.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.PeriodTotal")]
public sealed record PeriodTotal(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] DateTimeOffset End,
    [property: Id(2)] long SpentMicros,
    [property: Id(3)] long Requests);
