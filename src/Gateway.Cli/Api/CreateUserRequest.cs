namespace Gateway.Cli.Api;

/// <summary>Body of <c>POST /admin/v1/users</c>.</summary>
internal sealed record CreateUserRequest(string Id, string? Name, string? Email, string? TeamId);
