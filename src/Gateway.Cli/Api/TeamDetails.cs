namespace Gateway.Cli.Api;

/// <summary>A team as <c>/admin/v1/teams</c> returns it; <see cref="UserIds"/> are its members.</summary>
internal sealed record TeamDetails(
    string Id,
    string? Name,
    DateTimeOffset? CreatedAt,
    IReadOnlyList<string>? UserIds,
    BudgetDetails? Budget);
