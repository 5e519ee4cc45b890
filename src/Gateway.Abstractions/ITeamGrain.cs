using Orleans.Concurrency;

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

    /// <summary>Holds a request's reservation on the team's budget (called by the user's grain, after its own check).</summary>
    [Alias("Reserve"), AlwaysInterleave]
    Task<BudgetHoldResult> Reserve(BudgetHold hold);

    [Alias("Release"), AlwaysInterleave]
    Task Release(string keyId, string requestId);

    /// <summary>Rows of a member's key; only rows reserved on this team (their TeamId) count towards its spend.</summary>
    [Alias("Settled"), AlwaysInterleave]
    Task Settled(string keyId, IReadOnlyList<LedgerEntry> entries);
}
