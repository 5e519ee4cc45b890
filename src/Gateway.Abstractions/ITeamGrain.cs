namespace Gateway;

/// <summary>One grain per team: its name, its members, and the team's budget (<see cref="IBudgetGrain"/>).</summary>
[Alias("Gateway.ITeamGrain")]
public interface ITeamGrain : IBudgetGrain
{
    /// <summary>Creates the team; null when a team with this id already exists.</summary>
    [Alias("Create")]
    Task<TeamSnapshot?> Create(string name);

    /// <summary>Renames the team; null when there is no such team.</summary>
    [Alias("Rename")]
    Task<TeamSnapshot?> Rename(string name);

    [Alias("Get")]
    Task<TeamSnapshot?> Get();

    /// <summary>
    /// Adds a member. <paramref name="keySequences"/> says, per key of the member, the last ledger row
    /// written before the move: rows up to it were never held on this team, so the team's budget
    /// starts counting each key after it instead of reading the key's history.
    /// </summary>
    [Alias("AddMember")]
    Task<bool> AddMember(string userId, IReadOnlyDictionary<string, long> keySequences);

    [Alias("RemoveMember")]
    Task RemoveMember(string userId);

    /// <summary>Changes the team's budget limits; null when there is no such team.</summary>
    [Alias("SetBudget")]
    Task<TeamSnapshot?> SetBudget(BudgetChanges changes);
}
