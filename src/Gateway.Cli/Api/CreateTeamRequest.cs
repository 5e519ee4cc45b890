namespace Gateway.Cli.Api;

/// <summary>Body of <c>POST /admin/v1/teams</c>. Without a <see cref="Name"/> the gateway names the team after its id.</summary>
internal sealed record CreateTeamRequest(string Id, string? Name);
