using Gateway.Storage.Journal;
using Gateway.Grains.Budgets;
using Gateway.Grains.Keys;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Gateway.Grains.Directory;

/// <summary>
/// A user, the ids of their keys, and the user's budget across all of them. Deactivation revokes
/// every key before it returns, so from then on no front-end accepts any of them; the user's
/// history and spend stay as they were.
/// <para>
/// Profile changes run one at a time; the budget calls (<see cref="Reserve"/>, <see cref="Release"/>,
/// <see cref="Settled"/>) interleave with everything, and each decides in one synchronous turn.
/// </para>
/// </summary>
public sealed partial class UserGrain : Grain, IUserGrain
{
    private readonly IPersistentState<UserState> _state;
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ILogger<UserGrain> _logger;
    private readonly BudgetAccount _budget;
    private readonly UsageRollups _rollups;
    private readonly StateWriter _writer;

    public UserGrain(
        [PersistentState("user", "keys")] IPersistentState<UserState> state,
        IGrainFactory grains,
        AuditLedger ledger,
        IntentJournal journal,
        UsageRollups rollups,
        Alerts.BudgetAlerts alerts,
        TimeProvider time,
        IOptions<KeyGrainOptions> options,
        ILogger<UserGrain> logger)
    {
        _state = state;
        _grains = grains;
        _rollups = rollups;
        _time = time;
        _logger = logger;
        _writer = new StateWriter(() => _state.WriteStateAsync());
        _budget = new BudgetAccount(Alerts.BudgetAlert.UserScope, this.GetPrimaryKeyString(), () => _state.State.Budget, _writer, ledger, journal, alerts, options.Value, time, logger)
        {
            AlertTeam = () => _state.State.TeamId,
        };
    }

    private string UserId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_state.State.Exists)
        {
            return;
        }

        await _budget.ActivateAsync(this, _state.State.KeyIds, cancellationToken);
        _budget.SeedVelocityFrom(_rollups, () => _state.State.KeyIds, _state.State.CreatedAt);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _state.State.Exists ? _budget.FlushAsync() : Task.CompletedTask;

    public async Task<UserSnapshot?> Create(UserChanges profile)
    {
        if (_state.State.Exists)
        {
            return null;
        }

        _state.State = new UserState
        {
            Exists = true,
            Name = profile.Name ?? UserId,
            Email = profile.Email,
            TeamId = profile.TeamId,
            CreatedAt = _time.GetUtcNow(),
        };
        await _writer.WriteAsync();
        _budget.StartSweeping(this);
        if (profile.TeamId is { } team)
        {
            await _grains.GetGrain<ITeamGrain>(team).AddMember(UserId, new Dictionary<string, long>());
        }

        return Snapshot();
    }

    public Task<UserSnapshot?> Get() => Task.FromResult(_state.State.Exists ? Snapshot() : null);

    public async Task<UserSnapshot?> Update(UserChanges changes)
    {
        var s = _state.State;
        if (!s.Exists)
        {
            return null;
        }

        var previousTeam = s.TeamId;
        s.Name = changes.Name ?? s.Name;
        s.Email = changes.Email ?? s.Email;
        s.TeamId = changes.TeamId ?? s.TeamId;
        await _writer.WriteAsync();
        if (s.TeamId != previousTeam)
        {
            // Requests from now on are held on the new team's budget; those in flight settle on the old one's.
            if (previousTeam is not null)
            {
                await _grains.GetGrain<ITeamGrain>(previousTeam).RemoveMember(UserId);
            }

            if (s.TeamId is not null)
            {
                await _grains.GetGrain<ITeamGrain>(s.TeamId).AddMember(UserId, new Dictionary<string, long>(s.Budget.Applied, StringComparer.Ordinal));
            }
        }

        return Snapshot();
    }

    public async Task<UserSnapshot?> SetBudget(BudgetChanges changes)
    {
        if (!_state.State.Exists)
        {
            return null;
        }

        _budget.Change(changes);
        await _budget.CheckpointAsync();
        return Snapshot();
    }

    public async Task<KeySnapshot?> CreateKey(string keyId, CreateKeyCommand command)
    {
        if (!_state.State.Exists || _state.State.Status != UserStatus.Active)
        {
            return null;
        }

        // Recorded before the key exists, so a deactivation that follows always finds it.
        _state.State.KeyIds.Add(keyId);
        _budget.Track(keyId);
        await _writer.WriteAsync();
        return await _grains.GetGrain<IApiKeyGrain>(keyId).Create(command with { UserId = UserId });
    }

    public async Task<UserSnapshot?> Deactivate(string deactivatedBy)
    {
        var s = _state.State;
        if (!s.Exists)
        {
            return null;
        }

        if (s.Status != UserStatus.Deactivated)
        {
            // Durable first, so no new key can be added while the existing ones are revoked.
            s.Status = UserStatus.Deactivated;
            s.DeactivatedAt = _time.GetUtcNow();
            await _writer.WriteAsync();
        }

        // Idempotent: a retried deactivation finishes revoking whatever a failed one did not reach.
        await Task.WhenAll(s.KeyIds.Select(keyId => _grains.GetGrain<IApiKeyGrain>(keyId).Revoke($"user-deactivated:{deactivatedBy}")));
        LogDeactivated(_logger, UserId, s.KeyIds.Count, deactivatedBy);
        return Snapshot();
    }

    public async Task<BudgetHoldResult> Reserve(BudgetHold hold)
    {
        if (!_state.State.Exists)
        {
            // Keys are made through their user, so this is a key from before users had budgets.
            return BudgetHoldResult.Held(null);
        }

        _budget.Resize(hold.Settling);
        if (_budget.TryHold(hold, null, out var rate) is { } refused)
        {
            return refused;
        }

        // Then the team's budget: always in this order (key, user, team), so no two holds wait on each other.
        if (_state.State.TeamId is not { } teamId)
        {
            return BudgetHoldResult.Held(null, rate);
        }

        BudgetHoldResult team;
        try
        {
            team = await _grains.TeamBudget(teamId).Reserve(hold);
        }
        catch
        {
            _budget.Release(hold.RequestId);
            throw;
        }

        if (!team.Accepted)
        {
            _budget.Release(hold.RequestId);
            return team;
        }

        _budget.SetTeam(hold.RequestId, team.TeamId);
        return team with { Rate = RateUsage.Tightest(rate, team.Rate) };
    }

    public async Task Release(string keyId, string requestId)
    {
        if (_budget.Release(requestId) is { } teamId)
        {
            await _grains.TeamBudget(teamId).Release(keyId, requestId);
        }
    }

    public async Task Settled(string keyId, IReadOnlyList<LedgerEntry> entries)
    {
        // Which teams hold these requests: those named on the rows, and the current team for continuity.
        var teams = entries.Select(e => e.TeamId).Append(_state.State.TeamId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (_state.State.Exists)
        {
            await _budget.SettledAsync(keyId, entries);
        }

        await Task.WhenAll(teams.Select(t => _grains.TeamBudget(t).Settled(keyId, entries)));
    }

    private UserSnapshot Snapshot()
    {
        var s = _state.State;
        return new UserSnapshot(UserId, s.Name, s.Email, s.TeamId, s.Status, s.CreatedAt, s.DeactivatedAt, [.. s.KeyIds], _budget.Snapshot());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} deactivated by {DeactivatedBy}; {KeyCount} keys revoked")]
    private static partial void LogDeactivated(ILogger logger, string userId, int keyCount, string deactivatedBy);
}
