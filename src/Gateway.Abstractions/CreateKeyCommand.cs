namespace Gateway;

/// <summary>Creates a key. Only the SHA-256 of the secret crosses the wire or reaches storage.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.CreateKeyCommand")]
public sealed record CreateKeyCommand(
    [property: Id(0)] string UserId,
    [property: Id(1)] string? Name,
    [property: Id(2)] long CapMicros,
    [property: Id(3)] IReadOnlyList<string> Models,
    [property: Id(4)] string SecretHash,
    [property: Id(5)] string CreatedBy,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] int? Rpm = null,
    [property: Id(8)] long? Tpm = null,
    [property: Id(9)] BudgetPeriod Period = BudgetPeriod.None,
    [property: Id(10)] SpendControls? Controls = null);
