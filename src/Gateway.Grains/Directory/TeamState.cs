namespace Gateway.Grains.Directory;

[GenerateSerializer, Alias("Gateway.Grains.TeamState")]
public sealed class TeamState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public SortedSet<string> UserIds { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public Budgets.BudgetState Budget { get; set; } = new();
}
