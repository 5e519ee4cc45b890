namespace Gateway.Grains.Directory;

[GenerateSerializer, Alias("Gateway.Grains.UserState")]
public sealed class UserState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string? Email { get; set; }
    [Id(3)] public string? TeamId { get; set; }
    [Id(4)] public UserStatus Status { get; set; }
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
    [Id(6)] public DateTimeOffset? DeactivatedAt { get; set; }
    [Id(7)] public SortedSet<string> KeyIds { get; set; } = new(StringComparer.Ordinal);
    [Id(8)] public Budgets.BudgetState Budget { get; set; } = new();
}
