using Gateway.Core;
using Gateway.Core.Keys;
using Gateway.Grains.Budgets;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Gateway.Grains.Keys;

/// <summary>
/// One activation per key wires the key's parts together (docs/key-grain.md): who may use it
/// (<see cref="KeyCredentials"/>), its budget (a <see cref="BudgetAccount"/>, as users and teams have),
/// its requests in flight (<see cref="OpenRequests"/>), admitting them (<see cref="KeyAdmission"/>) and
/// settling them (<see cref="KeySettler"/>), its ledger chain (<see cref="LedgerChain"/>, recovered at
/// activation by <see cref="ChainRecovery"/>), its refusals (<see cref="DenialRecorder"/>), the budgets
/// above it (<see cref="SettledForwarder"/>) and its checkpoint (<see cref="KeyCheckpoint"/>).
/// The grain is reentrant so that requests waiting on storage don't queue behind each other; every
/// check-and-reserve happens in one synchronous turn, so interleaving can't let two requests
/// slip past the cap together.
/// </summary>
[Reentrant]
public sealed partial class ApiKeyGrain : Grain, IApiKeyGrain
{
    private readonly IPersistentState<KeyState> _state;
    private readonly AuditLedger _ledger;
    private readonly IntentJournal _journal;
    private readonly LedgerCopier _copier;
    private readonly UsageRollups _rollups;
    private readonly TimeProvider _time;
    private readonly KeyGrainOptions _options;
    private readonly ILogger<ApiKeyGrain> _logger;

    private readonly KeyCredentials _credentials;
    private readonly BudgetAccount _budget;
    private readonly OpenRequests _open;
    private readonly Settlements _settlements;
    private readonly SettlingCosts _settling = new();
    private readonly ConcurrencySlots _slots = new();
    private readonly KeyAdmission _admission;
    private readonly KeySettler _settler;
    private readonly LedgerChain _chain;
    private readonly ChainRecovery _recovery;
    private readonly KeyCheckpoint _checkpoint;
    private readonly SettledForwarder _forwarder;
    private readonly DenialRecorder _denials;
    private readonly ChainTimeline _timeline;
    private IGrainTimer? _sweepTimer;

    public ApiKeyGrain(
        [PersistentState("key", "keys")] IPersistentState<KeyState> state,
        AuditLedger ledger,
        IntentJournal journal,
        LedgerCopier copier,
        UsageRollups rollups,
        TimeProvider time,
        IOptions<KeyGrainOptions> options,
        Alerts.BudgetAlerts alerts,
        KeyMetrics metrics,
        ILogger<ApiKeyGrain> logger)
    {
        (_state, _ledger, _journal, _copier, _rollups, _time, _options, _logger) = (state, ledger, journal, copier, rollups, time, options.Value, logger);
        _settlements = new Settlements(time);
        var keyId = this.GetPrimaryKeyString();
        _credentials = new KeyCredentials(() => _state.State, time);
        _open = new OpenRequests(time);
        _chain = new LedgerChain(keyId, ledger, journal, copier, _options.LedgerDirectFrom, time, logger) { Committed = OnCommitted };
        _recovery = new ChainRecovery(keyId, ledger, journal, copier, _chain, _settlements, _options, time, logger);
        _timeline = new ChainTimeline(() => _state.State, () => _chain.Sequence, _options, time);
        _checkpoint = new KeyCheckpoint(keyId, state, _chain, _timeline, () => copier.OldestInLedger(keyId), logger);
        _budget = new BudgetAccount(Alerts.BudgetAlert.KeyScope, keyId, () => _checkpoint.Budget, new StateWriter(_checkpoint.WriteAsync),
            ledger, journal, alerts, _options, time, logger)
        {
            AlertUser = () => _state.State.UserId,
            PeriodClosed = _checkpoint.WriteInBackground,
        };
        _forwarder = new SettledForwarder(keyId, () => GrainFactory.UserBudget(_state.State.UserId), logger);
        _denials = new DenialRecorder(keyId, () => _state.State, _chain, _options, time, logger);
        _admission = new KeyAdmission(keyId, () => _state.State, _credentials, _budget, _open, _slots, _settlements, _settling, _denials,
            () => GrainFactory.UserBudget(_state.State.UserId), journal, ledger, () => _chain.Sequence, _timeline, _options, time, logger);
        _settler = new KeySettler(keyId, () => _state.State, _budget, _open, _slots, _settlements, _settling, _denials, _chain, () => _checkpoint.Budget.SpentMicros,
            journal, ledger, copier, metrics, _timeline, _options, time, logger);
    }

    private string KeyId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_state.State.Exists)
        {
            // A key about to be created (its first checkpoint marks its empty chain), or an unknown one.
            return;
        }

        _checkpoint.Load();
        var intents = await _recovery.RecoverAsync(_state.State, row => _budget.CountOwn(KeyId, BudgetAccount.ToEntry(row)), cancellationToken);

        // Intents still open were reserved by an earlier activation: they are either still in flight
        // or were abandoned by a crash. Hold them until they are settled by their front-end or, past
        // their deadline, as unknown.
        _settler.HoldFound(intents);
        _timeline.Mark();
        if (_checkpoint.Budget.Rpm is not null || _checkpoint.Budget.Tpm is not null)
        {
            _budget.RestoreRate(await RateWindow.LastMinuteAsync(KeyId, _ledger, _time, _open.Intents, _ => true, cancellationToken));
        }

        _budget.SeedVelocityFrom(_rollups, () => [KeyId], _state.State.CreatedAt);
        StartSweeping();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _sweepTimer?.Dispose();
        await _denials.RecordNotSentAsync();
        await _denials.FlushAsync(null);
        await _chain.Drained;
        await _forwarder.Drained;
        if (_state.State.Exists && !_checkpoint.IsCurrent)
        {
            await _checkpoint.WriteAsync();
        }

        _open.Release();
    }

    /// <summary>The key's own sweep: abandoned intents, and denial windows that ended with repeats counted.</summary>
    private void StartSweeping() =>
        _sweepTimer ??= this.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions
        {
            DueTime = _options.SweepInterval,
            Period = _options.SweepInterval,
            Interleave = true,
        });

    public async Task<KeySnapshot> Create(CreateKeyCommand command)
    {
        if (_state.State.Exists)
        {
            throw new InvalidOperationException($"Key {KeyId} already exists.");
        }

        var now = _time.GetUtcNow();
        _state.State = new KeyState
        {
            Exists = true,
            UserId = command.UserId,
            Name = command.Name,
            SecretHash = command.SecretHash,
            Status = KeyStatus.Active,
            CapMicros = command.CapMicros,
            Models = [.. command.Models],
            CreatedAt = now,
            CreatedBy = command.CreatedBy,
            ExpiresAt = command.ExpiresAt,
            Rpm = command.Rpm,
            Tpm = command.Tpm,
            Period = command.Period,
            Controls = command.Controls,
            CheckpointPeriodStart = BudgetPeriods.StartOf(command.Period, now),
        };
        _checkpoint.Load();
        await _checkpoint.WriteAsync();
        StartSweeping();
        return Snapshot();
    }

    public Task<KeySnapshot?> GetSnapshot() => Task.FromResult(_state.State.Exists ? Snapshot() : null);

    public Task<ChainHead?> GetChainHead() =>
        Task.FromResult(_state.State.Exists ? new ChainHead(_chain.Sequence, _chain.LastHash, _state.State.CheckpointSequence) : null);

    public async Task<KeyChangeResult> Update(KeyChanges changes)
    {
        if (Unchangeable() is { } refused)
        {
            return refused;
        }

        var s = _state.State;
        s.Name = changes.Name ?? s.Name;
        s.Models = changes.Models is { } models ? [.. models] : s.Models;
        s.ExpiresAt = changes.ClearExpiry ? null : changes.ExpiresAt ?? s.ExpiresAt;

        // The spend so far counts in the period a new period's change falls in; a lower cap may put it past a threshold at once.
        _budget.Change(new BudgetChanges(changes.CapMicros, changes.Period, changes.Rpm, changes.Tpm, ClearRpm: changes.ClearRpm, ClearTpm: changes.ClearTpm,
            Controls: changes.Controls));
        await _checkpoint.WriteAsync();
        return new KeyChangeResult(KeyChangeOutcome.Applied, Snapshot());
    }

    public async Task<KeyChangeResult> SetCapture(ContentCapture? capture)
    {
        if (Unchangeable() is { } refused)
        {
            return refused;
        }

        _state.State.Capture = capture;
        await _checkpoint.WriteAsync();
        return new KeyChangeResult(KeyChangeOutcome.Applied, Snapshot());
    }

    public async Task<KeyChangeResult> Rotate(string newSecretHash, TimeSpan grace, string rotatedBy)
    {
        if (Unchangeable() is { } refused)
        {
            return refused;
        }

        _credentials.Rotate(newSecretHash, grace);
        await _checkpoint.WriteAsync();
        LogRotated(_logger, KeyId, rotatedBy, grace);
        return new KeyChangeResult(KeyChangeOutcome.Applied, Snapshot());
    }

    /// <summary>
    /// Why a change must not happen, or null. Checked in the same turn as the change is made (before
    /// any await), and <see cref="Revoke"/> marks the key revoked in one turn too, so a change and a
    /// concurrent revocation are ordered: a change never lands on a revoked key.
    /// </summary>
    private KeyChangeResult? Unchangeable() =>
        !_state.State.Exists ? new KeyChangeResult(KeyChangeOutcome.NotFound, null)
        : _state.State.Status == KeyStatus.Revoked ? new KeyChangeResult(KeyChangeOutcome.Revoked, Snapshot())
        : null;

    public async Task<KeySnapshot?> Revoke(string revokedBy)
    {
        if (!_state.State.Exists)
        {
            return null;
        }

        if (_state.State.Status != KeyStatus.Revoked)
        {
            // Refuse new requests from this turn on; the call returns only once it is durable.
            _state.State.Status = KeyStatus.Revoked;
            _state.State.RevokedAt = _time.GetUtcNow();
            _state.State.RevokedBy = revokedBy;
            await _checkpoint.WriteAsync();
            LogRevoked(_logger, KeyId, revokedBy);
        }

        return Snapshot();
    }

    // An unknown key's activation holds no state and is collected when idle like any other;
    // deactivating it here would race the concurrent calls for the same id into errors.
    public Task<IReadOnlyList<string>?> Authenticate(string secretHash) => Task.FromResult(_credentials.Authenticate(secretHash));

    public Task Renew(string requestId)
    {
        _open.Renew(requestId);
        return Task.CompletedTask;
    }

    public Task<BeginResult?> Admit(RequestContext context, string secretHash) => _admission.AdmitAsync(context, secretHash);

    public Task<BeginResult> Begin(BeginRequest request) => _admission.BeginAsync(request);

    public Task Withdraw(RequestContext context) => _admission.WithdrawAsync(context);

    public Task<SettleResult> Settle(SettleRequest request) => _settler.SettleAsync(request);

    public Task<int> SettleAbandoned()
    {
        if (!_state.State.Exists)
        {
            DeactivateOnIdle();
            return Task.FromResult(0);
        }

        return SettleAbandonedAsync();
    }

    /// <summary>
    /// The journal sweep's call: one read of the key's journal range. Its intents (other activations'
    /// too) are held and the expired ones settled; its old settled rows are tidied (<see cref="ChainRecovery.TidyAsync"/>).
    /// </summary>
    private async Task<int> SettleAbandonedAsync()
    {
        var (intents, settled) = await _journal.ReadKeyAsync(KeyId, CancellationToken.None);
        await _recovery.TidyAsync(settled);
        return await _settler.SettleAbandonedAsync(intents);
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        _admission.ForgetWithdrawals();
        _settlements.Age();
        if (_denials.NotSentCount > 0)
        {
            // Refusals whose denial rows are not yet written live only here: stay active until they are.
            DelayDeactivation(_options.SweepInterval * 3);
        }

        await _denials.RecordNotSentAsync();
        await _denials.FlushAsync(_time.GetUtcNow());
        await _settler.SettleExpiredAsync();
    }

    /// <summary>
    /// Rows just made durable: spend rises and the reservation falls in the same turn; then the copy
    /// (or, for rows written into the ledger, their rollups and the retirement of their intents), the
    /// budgets above, the alerts.
    /// </summary>
    private void OnCommitted(IReadOnlyList<AuditRecord> records, bool inLedger)
    {
        foreach (var row in records)
        {
            _budget.CountOwn(KeyId, BudgetAccount.ToEntry(row));
            _open.Remove(row.RequestId);
            _slots.Release(row.RequestId);
            _settlements.MarkSettled(row.RequestId);
        }

        if (inLedger)
        {
            _copier.Copied(KeyId, records);
        }
        else
        {
            _copier.Copy(KeyId, records);
        }

        _forwarder.Forward(records);
        _budget.CheckThresholds();
        if (_checkpoint.RowsSince >= _options.CheckpointEvery)
        {
            _checkpoint.WriteInBackground();
        }
    }

    private KeySnapshot Snapshot()
    {
        var (s, b) = (_state.State, _budget.Snapshot());
        return new KeySnapshot(KeyId, s.UserId, s.Name, s.Status, b.Limits.CapMicros ?? 0, b.SpentMicros, b.ReservedMicros, b.InFlight, _chain.RequestCount,
            s.Models, s.CreatedAt, s.RevokedAt, _chain.Sequence, RuntimeIdentity, s.ExpiresAt, _credentials.PreviousValidUntil, b.Limits.Rpm, b.Limits.Tpm, s.Capture,
            b.Limits.Period, b.PeriodStart, b.PeriodResetsAt, b.PastPeriods, b.Rate, b.Limits.Controls);
    }
}
