namespace Gateway.Frontend.Admin;

public sealed record UserResponse(string Id, string Name, string? Email, string? TeamId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? DeactivatedAt, IReadOnlyList<string> KeyIds, BudgetResponse Budget)
{
    public static UserResponse From(UserSnapshot u) =>
        new(u.Id, u.Name, u.Email, u.TeamId, u.Status == UserStatus.Active ? "active" : "deactivated", u.CreatedAt, u.DeactivatedAt, u.KeyIds, BudgetResponse.From(u.Budget));
}
