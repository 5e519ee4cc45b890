using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Gateway.Grains.Directory;

/// <summary>
/// A user and the ids of their keys. Deactivation revokes every key before it returns, so from then
/// on no front-end accepts any of them; the user's history and spend stay as they were.
/// </summary>
public sealed partial class UserGrain(
    [PersistentState("user", "keys")] IPersistentState<UserState> state,
    IGrainFactory grains,
    TimeProvider time,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private string UserId => this.GetPrimaryKeyString();

    public async Task<UserSnapshot?> Create(UserChanges profile)
    {
        if (state.State.Exists)
        {
            return null;
        }

        state.State = new UserState
        {
            Exists = true,
            Name = profile.Name ?? UserId,
            Email = profile.Email,
            TeamId = profile.TeamId,
            CreatedAt = time.GetUtcNow(),
        };
        await state.WriteStateAsync();
        if (profile.TeamId is { } team)
        {
            await grains.GetGrain<ITeamGrain>(team).AddMember(UserId);
        }

        return Snapshot();
    }

    public Task<UserSnapshot?> Get() => Task.FromResult(state.State.Exists ? Snapshot() : null);

    public async Task<UserSnapshot?> Update(UserChanges changes)
    {
        var s = state.State;
        if (!s.Exists)
        {
            return null;
        }

        var previousTeam = s.TeamId;
        s.Name = changes.Name ?? s.Name;
        s.Email = changes.Email ?? s.Email;
        s.TeamId = changes.TeamId ?? s.TeamId;
        await state.WriteStateAsync();
        if (s.TeamId != previousTeam)
        {
            if (previousTeam is not null)
            {
                await grains.GetGrain<ITeamGrain>(previousTeam).RemoveMember(UserId);
            }

            if (s.TeamId is not null)
            {
                await grains.GetGrain<ITeamGrain>(s.TeamId).AddMember(UserId);
            }
        }

        return Snapshot();
    }

    public async Task<KeySnapshot?> CreateKey(string keyId, CreateKeyCommand command)
    {
        if (!state.State.Exists || state.State.Status != UserStatus.Active)
        {
            return null;
        }

        // Recorded before the key exists, so a deactivation that follows always finds it.
        state.State.KeyIds.Add(keyId);
        await state.WriteStateAsync();
        return await grains.GetGrain<IApiKeyGrain>(keyId).Create(command with { UserId = UserId });
    }

    public async Task<UserSnapshot?> Deactivate(string deactivatedBy)
    {
        var s = state.State;
        if (!s.Exists)
        {
            return null;
        }

        if (s.Status != UserStatus.Deactivated)
        {
            // Durable first, so no new key can be added while the existing ones are revoked.
            s.Status = UserStatus.Deactivated;
            s.DeactivatedAt = time.GetUtcNow();
            await state.WriteStateAsync();
        }

        // Idempotent: a retried deactivation finishes revoking whatever a failed one did not reach.
        await Task.WhenAll(s.KeyIds.Select(keyId => grains.GetGrain<IApiKeyGrain>(keyId).Revoke($"user-deactivated:{deactivatedBy}")));
        LogDeactivated(logger, UserId, s.KeyIds.Count, deactivatedBy);
        return Snapshot();
    }

    private UserSnapshot Snapshot()
    {
        var s = state.State;
        return new UserSnapshot(UserId, s.Name, s.Email, s.TeamId, s.Status, s.CreatedAt, s.DeactivatedAt, [.. s.KeyIds]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} deactivated by {DeactivatedBy}; {KeyCount} keys revoked")]
    private static partial void LogDeactivated(ILogger logger, string userId, int keyCount, string deactivatedBy);
}
