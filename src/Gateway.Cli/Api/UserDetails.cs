namespace Gateway.Cli.Api;

/// <summary>A user as <c>/admin/v1/users</c> returns it.</summary>
internal sealed record UserDetails(
    string Id,
    string? Name,
    string? Email,
    string? TeamId,
    string? Status,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? DeactivatedAt,
    IReadOnlyList<string>? KeyIds,
    BudgetDetails? Budget);
