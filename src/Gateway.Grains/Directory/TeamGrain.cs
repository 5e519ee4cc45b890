using Gateway.Storage.Journal;
using Gateway.Grains.Budgets;
using Gateway.Grains.Keys;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Gateway.Grains.Directory;

/// <summary>
/// A team: its name, its members, and the team's budget across every member's keys. Only requests
/// reserved on this team count towards its spend, so a member who moves teams takes nothing along.
/// </summary>
public sealed class TeamGrain : Grain, ITeamGrain
{
    private readonly IPersistentState<TeamState> _state;
    private readonly TimeProvider _time;
    private readonly BudgetAccount _budget;
    private readonly StateWriter _writer;

    public TeamGrain(
        [PersistentState("team", "keys")] IPersistentState<TeamState> state,
        AuditLedger ledger,
        IntentJournal journal,
        Alerts.BudgetAlerts alerts,
        TimeProvider time,
        IOptions<KeyGrainOptions> options,
        ILogger<TeamGrain> logger)
    {
        _state = state;
        _time = time;
        var teamId = this.GetPrimaryKeyString();
        _writer = new StateWriter(() => _state.WriteStateAsync());
        _budget = new BudgetAccount(Alerts.BudgetAlert.TeamScope, teamId, () => _state.State.Budget, _writer, ledger, journal, alerts, options.Value, time, logger);
    }

    private string TeamId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_state.State.Exists)
        {
            return;
        }

        await _budget.ActivateAsync(this, [], cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _state.State.Exists ? _budget.FlushAsync() : Task.CompletedTask;

    public async Task<TeamSnapshot?> Create(string name)
    {
        if (_state.State.Exists)
        {
            return null;
        }

        _state.State = new TeamState { Exists = true, Name = name, CreatedAt = _time.GetUtcNow() };
        await _writer.WriteAsync();
        _budget.StartSweeping(this);
        return Snapshot();
    }

    public async Task<TeamSnapshot?> Rename(string name)
    {
        if (!_state.State.Exists)
        {
            return null;
        }

        _state.State.Name = name;
        await _writer.WriteAsync();
        return Snapshot();
    }

    public Task<TeamSnapshot?> Get() => Task.FromResult(_state.State.Exists ? Snapshot() : null);

    public async Task<bool> AddMember(string userId, IReadOnlyDictionary<string, long> keySequences)
    {
        if (!_state.State.Exists)
        {
            return false;
        }

        var changed = _state.State.UserIds.Add(userId);
        foreach (var (keyId, sequence) in keySequences)
        {
            changed |= _budget.Track(keyId, sequence);
        }

        if (changed)
        {
            await _writer.WriteAsync();
        }

        return true;
    }

    public async Task RemoveMember(string userId)
    {
        if (_state.State.UserIds.Remove(userId))
        {
            await _writer.WriteAsync();
        }
    }

    public async Task<TeamSnapshot?> SetBudget(BudgetChanges changes)
    {
        if (!_state.State.Exists)
        {
            return null;
        }

        _budget.Change(changes);
        await _budget.CheckpointAsync();
        return Snapshot();
    }

    public Task<BudgetHoldResult> Reserve(BudgetHold hold)
    {
        if (!_state.State.Exists)
        {
            return Task.FromResult(BudgetHoldResult.Held(null));
        }

        _budget.Resize(hold.Settling);
        return Task.FromResult(_budget.TryHold(hold, TeamId, out var rate) ?? BudgetHoldResult.Held(TeamId, rate));
    }

    public Task Release(string keyId, string requestId)
    {
        _budget.Release(requestId);
        return Task.CompletedTask;
    }

    public Task Settled(string keyId, IReadOnlyList<LedgerEntry> entries) =>
        _state.State.Exists ? _budget.SettledAsync(keyId, entries) : Task.CompletedTask;

    private TeamSnapshot Snapshot() => new(TeamId, _state.State.Name, _state.State.CreatedAt, [.. _state.State.UserIds], _budget.Snapshot());
}
