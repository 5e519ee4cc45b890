namespace Gateway;

/// <summary>One grain per user: profile, team, status, the ids of the user's keys, and the user's budget (<see cref="IBudgetGrain"/>).</summary>
[Alias("Gateway.IUserGrain")]
public interface IUserGrain : IBudgetGrain
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
}
