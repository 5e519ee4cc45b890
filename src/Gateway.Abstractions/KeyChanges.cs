namespace Gateway;

/// <summary>
/// Changes to a key's limits; null leaves a value as it is. <see cref="ClearExpiry"/>,
/// <see cref="ClearRpm"/> and <see cref="ClearTpm"/> remove a limit altogether.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.KeyChanges")]
public sealed record KeyChanges(
    [property: Id(0)] string? Name,
    [property: Id(1)] long? CapMicros,
    [property: Id(2)] IReadOnlyList<string>? Models,
    [property: Id(3)] DateTimeOffset? ExpiresAt,
    [property: Id(4)] int? Rpm,
    [property: Id(5)] long? Tpm,
    [property: Id(6)] bool ClearExpiry = false,
    [property: Id(7)] bool ClearRpm = false,
    [property: Id(8)] bool ClearTpm = false,
    [property: Id(9)] BudgetPeriod? Period = null,
    [property: Id(10)] SpendControlChanges? Controls = null);
