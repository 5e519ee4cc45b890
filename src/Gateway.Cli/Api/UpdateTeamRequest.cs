namespace Gateway.Cli.Api;

/// <summary>Body of <c>PATCH /admin/v1/teams/{id}</c>: the team's new display name.</summary>
internal sealed record UpdateTeamRequest(string Name);
