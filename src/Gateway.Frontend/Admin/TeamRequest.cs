namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/teams</c>.</summary>
public sealed record TeamRequest(string? Id, string? Name);
