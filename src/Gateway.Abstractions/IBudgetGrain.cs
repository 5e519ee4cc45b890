using Orleans.Concurrency;

namespace Gateway;

/// <summary>
/// The budget of a user or a team on the request path: one contract both grains implement, so the
/// key's grain and the user's grain hold, release and count a request the same way at every level.
/// Profile and membership stay on <see cref="IUserGrain"/> and <see cref="ITeamGrain"/>; get a
/// budget through <see cref="BudgetGrains"/>, which names the level.
/// </summary>
[Alias("Gateway.IBudgetGrain")]
public interface IBudgetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Holds a request's reservation on this budget, and for a user then on the team's. Called by the
    /// level below after its own check; interleaves with everything, and decides in one turn.
    /// </summary>
    [Alias("Reserve"), AlwaysInterleave]
    Task<BudgetHoldResult> Reserve(BudgetHold hold);

    /// <summary>Drops a reservation whose request never went out (a user's passes it on to the team's).</summary>
    [Alias("Release"), AlwaysInterleave]
    Task Release(string keyId, string requestId);

    /// <summary>
    /// Rows committed to a key's ledger, in sequence order: spend rises and reservations fall. A team
    /// counts only the rows reserved on it (their TeamId).
    /// </summary>
    [Alias("Settled"), AlwaysInterleave]
    Task Settled(string keyId, IReadOnlyList<LedgerEntry> entries);
}
