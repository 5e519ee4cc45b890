namespace Gateway;

[GenerateSerializer, Immutable, Alias("Gateway.UserSnapshot")]
public sealed record UserSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Email,
    [property: Id(3)] string? TeamId,
    [property: Id(4)] UserStatus Status,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset? DeactivatedAt,
    [property: Id(7)] IReadOnlyList<string> KeyIds,
    [property: Id(8)] BudgetSnapshot Budget);
