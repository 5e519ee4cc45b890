using Orleans.Concurrency;

namespace Gateway;

/// <summary>One grain per user: profile, team, status, and the ids of the user's keys.</summary>
[Alias("Gateway.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Creates the user; null when a user with this id already exists.</summary>
    [Alias("Create")]
    Task<UserSnapshot?> Create(UserChanges profile);

    [Alias("Get")]
    Task<UserSnapshot?> Get();

    [Alias("Update")]
    Task<UserSnapshot?> Update(UserChanges changes);

    /// <summary>
    /// Creates a key for the user; null when the user doesn't exist or is deactivated. Going through
    /// the user's grain serializes key creation with deactivation, so no key outlives its user.
    /// </summary>
    [Alias("CreateKey")]
    Task<KeySnapshot?> CreateKey(string keyId, CreateKeyCommand command);

    /// <summary>Deactivates the user and revokes every one of their keys before returning.</summary>
    [Alias("Deactivate")]
    Task<UserSnapshot?> Deactivate(string deactivatedBy);

    /// <summary>Changes the user's budget limits (cap, period, rpm, tpm); null when there is no such user.</summary>
    [Alias("SetBudget")]
    Task<UserSnapshot?> SetBudget(BudgetChanges changes);

    /// <summary>
    /// Holds a request's reservation on the user's budget and then on the team's. Called by the key's
    /// grain after its own check; interleaves with everything, and decides in one turn.
    /// </summary>
    [Alias("Reserve"), AlwaysInterleave]
    Task<BudgetHoldResult> Reserve(BudgetHold hold);

    /// <summary>Drops a reservation whose request never went out (and on the team's budget too).</summary>
    [Alias("Release"), AlwaysInterleave]
    Task Release(string keyId, string requestId);

    /// <summary>Rows committed to one of the user's keys' ledgers, in sequence order: spend rises and reservations fall.</summary>
    [Alias("Settled"), AlwaysInterleave]
    Task Settled(string keyId, IReadOnlyList<LedgerEntry> entries);
}
