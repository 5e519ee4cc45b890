using Orleans.Runtime;

namespace Gateway.Grains.Directory;

public sealed class TeamGrain([PersistentState("team", "keys")] IPersistentState<TeamState> state, TimeProvider time) : Grain, ITeamGrain
{
    public async Task<TeamSnapshot?> Create(string name)
    {
        if (state.State.Exists)
        {
            return null;
        }

        state.State = new TeamState { Exists = true, Name = name, CreatedAt = time.GetUtcNow() };
        await state.WriteStateAsync();
        return Snapshot();
    }

    public async Task<TeamSnapshot?> Rename(string name)
    {
        if (!state.State.Exists)
        {
            return null;
        }

        state.State.Name = name;
        await state.WriteStateAsync();
        return Snapshot();
    }

    public Task<TeamSnapshot?> Get() => Task.FromResult(state.State.Exists ? Snapshot() : null);

    public async Task<bool> AddMember(string userId)
    {
        if (!state.State.Exists)
        {
            return false;
        }

        if (state.State.UserIds.Add(userId))
        {
            await state.WriteStateAsync();
        }

        return true;
    }

    public async Task RemoveMember(string userId)
    {
        if (state.State.UserIds.Remove(userId))
        {
            await state.WriteStateAsync();
        }
    }

    private TeamSnapshot Snapshot() => new(this.GetPrimaryKeyString(), state.State.Name, state.State.CreatedAt, [.. state.State.UserIds]);
}
