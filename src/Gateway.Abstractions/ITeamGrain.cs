namespace Gateway;

/// <summary>One grain per team: its name and its members.</summary>
[Alias("Gateway.ITeamGrain")]
public interface ITeamGrain : IGrainWithStringKey
{
    /// <summary>Creates the team; null when a team with this id already exists.</summary>
    [Alias("Create")]
    Task<TeamSnapshot?> Create(string name);

    /// <summary>Renames the team; null when there is no such team.</summary>
    [Alias("Rename")]
    Task<TeamSnapshot?> Rename(string name);

    [Alias("Get")]
    Task<TeamSnapshot?> Get();

    [Alias("AddMember")]
    Task<bool> AddMember(string userId);

    [Alias("RemoveMember")]
    Task RemoveMember(string userId);
}
