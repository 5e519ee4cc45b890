namespace Gateway;

[GenerateSerializer, Immutable, Alias("Gateway.TeamSnapshot")]
public sealed record TeamSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] IReadOnlyList<string> UserIds,
    [property: Id(4)] BudgetSnapshot Budget);
