namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/users</c> (all of it) and <c>PATCH /admin/v1/users/{id}</c> (any of name, email, teamId).</summary>
public sealed record UserRequest(string? Id, string? Name, string? Email, string? TeamId);
