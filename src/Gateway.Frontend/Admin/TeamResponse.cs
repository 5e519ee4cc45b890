namespace Gateway.Frontend.Admin;

public sealed record TeamResponse(string Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<string> UserIds, BudgetResponse Budget)
{
    public static TeamResponse From(TeamSnapshot t) => new(t.Id, t.Name, t.CreatedAt, t.UserIds, BudgetResponse.From(t.Budget));
}
