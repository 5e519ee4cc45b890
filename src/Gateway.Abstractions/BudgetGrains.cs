namespace Gateway;

/// <summary>
/// The budget grain of a user or a team. Both grain types implement <see cref="IBudgetGrain"/>, so
/// a budget is asked for by its level: <c>GetGrain&lt;IBudgetGrain&gt;</c> alone could not tell them apart.
/// </summary>
public static class BudgetGrains
{
    public static IBudgetGrain UserBudget(this IGrainFactory grains, string userId) => grains.GetGrainFast<IUserGrain>(userId);

    public static IBudgetGrain TeamBudget(this IGrainFactory grains, string teamId) => grains.GetGrainFast<ITeamGrain>(teamId);
}
