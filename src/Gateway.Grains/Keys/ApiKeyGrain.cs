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
/// One activation per key wires the key's parts together: who may use it (<see cref="KeyCredentials"/>),
/// its budget (a <see cref="BudgetAccount"/>, as users and teams have), its requests in flight
/// (<see cref="OpenRequests"/>), its ledger chain (<see cref="LedgerChain"/>, recovered at activation by
/// <see cref="ChainRecovery"/>), its refusals (<see cref="DenialRecorder"/>), the budgets above it
/// (<see cref="SettledForwarder"/>) and its checkpoint (<see cref="KeyCheckpoint"/>).
/// The grain is reentrant so that requests waiting on storage don't queue behind each other; every
/// check-and-reserve happens in one synchronous turn, so interleaving can't let two requests
/// slip past the cap together.
/// </summary>
[Reentrant]
public sealed partial class ApiKeyGrain : Grain, IApiKeyGrain
{
    private const string WithdrawnMessage = "The gateway could not admit this request in time; it was refused with 503 and not sent.";
    private const string NotRecordedMessage = "The gateway cannot record this request in its audit trail right now, so it was not sent. Try again shortly.";

    private readonly IPersistentState<KeyState> _state;
    private readonly AuditLedger _ledger;
    private readonly IntentJournal _journal;
    private readonly LedgerCopier _copier;
    private readonly TimeProvider _time;
    private readonly KeyGrainOptions _options;
    private readonly KeyMetrics _metrics;
    private readonly ILogger<ApiKeyGrain> _logger;

    private readonly KeyCredentials _credentials;
    private readonly BudgetAccount _budget;
    private readonly OpenRequests _open;
    private readonly Settlements _settlements = new();
    private readonly Withdrawals _withdrawals;
    private readonly LedgerChain _chain;
    private readonly ChainRecovery _recovery;
    private readonly KeyCheckpoint _checkpoint;
    private readonly SettledForwarder _forwarder;
    private readonly DenialRecorder _denials;
    private IGrainTimer? _sweepTimer;

    public ApiKeyGrain(
        [PersistentState("key", "keys")] IPersistentState<KeyState> state,
        AuditLedger ledger,
        IntentJournal journal,
        LedgerCopier copier,
        TimeProvider time,
        IOptions<KeyGrainOptions> options,
        Alerts.BudgetAlerts alerts,
        KeyMetrics metrics,
        ILogger<ApiKeyGrain> logger)
    {
        (_state, _ledger, _journal, _copier, _time, _options, _metrics, _logger) = (state, ledger, journal, copier, time, options.Value, metrics, logger);
        var keyId = this.GetPrimaryKeyString();
        _credentials = new KeyCredentials(() => _state.State, time);
        _open = new OpenRequests(time);
        _withdrawals = new Withdrawals(time);
        _chain = new LedgerChain(keyId, ledger, journal, time, logger) { Committed = OnCommitted };
        _recovery = new ChainRecovery(keyId, ledger, journal, copier, _chain, _settlements, logger);
        _checkpoint = new KeyCheckpoint(keyId, state, _chain, logger);
        _budget = new BudgetAccount(Alerts.BudgetAlert.KeyScope, keyId, () => _checkpoint.Budget, new StateWriter(_checkpoint.WriteAsync),
            ledger, journal, alerts, _options, time, logger)
        {
            AlertUser = () => _state.State.UserId,
            PeriodClosed = _checkpoint.WriteInBackground,
        };
        _forwarder = new SettledForwarder(keyId, () => GrainFactory.UserBudget(_state.State.UserId), logger);
        _denials = new DenialRecorder(keyId, () => _state.State, _chain, _options, time, logger);
    }

    private string KeyId => this.GetPrimaryKeyString();

    private string UserId => _state.State.UserId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_state.State.Exists)
        {
            return;
        }

        _checkpoint.Load();
        var intents = await _recovery.RecoverAsync(_state.State, row => _budget.CountOwn(KeyId, BudgetAccount.ToEntry(row)), cancellationToken);

        // Intents still open were reserved by an earlier activation: they are either still in flight
        // or were abandoned by a crash. Hold them until they are settled by their front-end or, past
        // their deadline, as unknown.
        HoldFound(intents);
        if (_checkpoint.Budget.Rpm is not null || _checkpoint.Budget.Tpm is not null)
        {
            _budget.RestoreRate(await RateWindow.LastMinuteAsync(KeyId, _ledger, _time, _open.Intents, _ => true, cancellationToken));
        }

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
        _budget.Change(new BudgetChanges(changes.CapMicros, changes.Period, changes.Rpm, changes.Tpm, ClearRpm: changes.ClearRpm, ClearTpm: changes.ClearTpm));
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

    public async Task<BeginResult?> Admit(RequestContext context, string secretHash)
    {
        if (!_state.State.Exists)
        {
            return Deny(DenialReason.UnknownKey, "Incorrect API key provided.", null);
        }

        if (_credentials.Refusal(secretHash) is not { } refused)
        {
            return null;
        }

        await _denials.AuditAsync(context, refused.Denial, refused.Message);
        return Deny(refused.Denial, refused.Message, UserId);
    }

    public async Task<BeginResult> Begin(BeginRequest request)
    {
        var requestId = request.Context.RequestId;
        if (!_state.State.Exists)
        {
            // Nothing to attribute to and no ledger to write. The empty activation is collected when
            // idle; deactivating it here would race concurrent calls for the same id into errors.
            return Deny(DenialReason.UnknownKey, "Incorrect API key provided.", null);
        }

        if (_withdrawals.Contains(requestId))
        {
            // Its front-end already refused it with 503, and Withdraw has recorded that.
            return Withdrawn();
        }

        _withdrawals.BeginStarted(requestId);
        try
        {
            var result = await BeginCoreAsync(request);
            if (result.Accepted && _withdrawals.Contains(requestId))
            {
                // Accepted after its front-end stopped waiting: nothing will be sent, so undo it all.
                NotSent(request.Context, DenialReason.StorageUnavailable, WithdrawnMessage);
                return Withdrawn();
            }

            return result;
        }
        finally
        {
            _withdrawals.BeginEnded(requestId);
        }
    }

    /// <summary>
    /// The front-end stopped waiting for this request's <see cref="Begin"/> and refused it with 503:
    /// whatever is held for it is released and it is recorded as a denial, never charged, whether its
    /// Begin ran already, is running or has yet to arrive.
    /// </summary>
    public async Task Withdraw(RequestContext context)
    {
        var requestId = context.RequestId;
        if (!_state.State.Exists || _withdrawals.Contains(requestId) || _settlements.IsSettledOrInFlight(requestId))
        {
            return;
        }

        _withdrawals.Add(requestId);
        if (_withdrawals.IsBeginning(requestId))
        {
            // Its Begin is still at work (waiting on a budget or the journal) and undoes it when it returns.
            return;
        }

        if (!_open.Contains(requestId) && !_denials.IsNotSent(requestId) && await InLedgerAsync(requestId))
        {
            // A repeat after an earlier activation recorded it (or its Begin was refused with a row).
            _settlements.MarkSettled(requestId);
            return;
        }

        // Accepted too late for its front-end (held), or never begun: either way, not sent.
        NotSent(context, DenialReason.StorageUnavailable, WithdrawnMessage);
    }

    /// <summary>Identity, then the model, then its price; then the budgets, which hold it.</summary>
    private async Task<BeginResult> BeginCoreAsync(BeginRequest request)
    {
        var context = request.Context;
        var refused = _credentials.Refusal(request.SecretHash)
            ?? (!ModelPattern.IsAllowed(_state.State.Models, context.Model) ? (DenialReason.ModelNotAllowed, $"This key is not allowed to use the model '{context.Model}'.")
            : request.Price is null ? (DenialReason.ModelNotPriced, $"The model '{context.Model}' has no price configured on this gateway, so its cost cannot be controlled.")
            : null);
        if (refused is not { } denial)
        {
            return await ReserveAsync(request);
        }

        await _denials.AuditAsync(context, denial.Denial, denial.Message);
        return Deny(denial.Denial, denial.Message, UserId);
    }

    /// <summary>
    /// Holds the request on the key's budget, then on the budgets above it, then records its intent:
    /// accepted only when all three succeed, and undone as far as it got when one does not.
    /// </summary>
    private async Task<BeginResult> ReserveAsync(BeginRequest request)
    {
        var context = request.Context;
        var userId = UserId;
        var hold = new BudgetHold(KeyId, context.RequestId, request.ReserveMicros, (long)request.EstimatedInputTokens + request.OutputTokenCeiling, context.StartedAt);

        // Reserve in this turn, before any await, so concurrent requests see it.
        if (_budget.TryHold(hold, null) is { } refused)
        {
            await _denials.AuditAsync(context, refused.Denial, refused.Message!);
            var answer = refused.RetryAfter is { } wait ? $"{refused.Message} Try again in {Math.Ceiling(wait.TotalSeconds)} s." : refused.Message;
            return new BeginResult(refused.Denial, answer, null, userId, refused.RetryAfter);
        }

        if (!_open.TryAdd(IntentFor(request)))
        {
            return Deny(DenialReason.AuditUnavailable, "Duplicate request id.", userId);
        }

        // Then the budgets above the key, in a fixed order: the user's grain holds it on the user's
        // budget and then on the team's.
        BudgetHoldResult held;
        try
        {
            held = await GrainFactory.UserBudget(userId).Reserve(hold);
        }
        catch (Exception ex)
        {
            // The hold above may have landed: released, and the refusal recorded like any not sent.
            LogBudgetUnavailable(_logger, KeyId, context.RequestId, ex);
            const string budgetMessage = "The gateway cannot check this request against your user's budget right now, so it was not sent.";
            NotSent(context, DenialReason.AuditUnavailable, budgetMessage);
            return new BeginResult(DenialReason.AuditUnavailable, budgetMessage, null, userId, _options.StorageRetryAfter);
        }

        if (!held.Accepted)
        {
            Refuse(context.RequestId);
            await _denials.AuditAsync(context, held.Denial, held.Message!);
            return new BeginResult(held.Denial, held.Message, null, userId, held.RetryAfter);
        }

        _open.SetTeam(context.RequestId, held.TeamId);
        try
        {
            // Bounded: a stalled store must give the caller a fast 503, not Orleans' 30-second call timeout.
            await _journal.RecordAsync(_open.Find(context.RequestId) ?? IntentFor(request) with { TeamId = held.TeamId }).WaitAsync(_options.IntentWriteTimeout);
        }
        catch (Exception ex)
        {
            LogIntentFailed(_logger, KeyId, context.RequestId, ex);

            // The write may still land; the request was not sent, so it is remembered as not sent
            // until its denial row is in the ledger, and never charged.
            NotSent(context, DenialReason.StorageUnavailable, "The intent could not be recorded in time; the request was refused with 503 and not sent.");
            return new BeginResult(DenialReason.StorageUnavailable, NotRecordedMessage, null, userId, _options.StorageRetryAfter);
        }

        if (_state.State.Status == KeyStatus.Revoked)
        {
            // Revoked while this request waited on the budgets or the journal: once a revoke has
            // returned nothing may be accepted, and nothing has gone upstream yet, so undo it all.
            // Its denial row is written on its own (never folded into a counted one), replacing the intent.
            Refuse(context.RequestId);
            _ = ReleaseAboveAsync(context.RequestId);
            await _denials.AppendAsync(context, context.StartedAt, DenialReason.Revoked, "This API key has been revoked.", 1);
            return Deny(DenialReason.Revoked, "This API key has been revoked.", userId);
        }

        return new BeginResult(DenialReason.None, null, new Reservation(context.RequestId, request.ReserveMicros, _journal.PartitionFor(KeyId), context.StartedAt), userId,
            CaptureContent: _state.State.Capture is not null, Rate: RateUsage.Tightest(_budget.RateNow(), held.Rate));
    }

    /// <summary>
    /// Settles a request once, however often and by whomever it is called: a repeat while the first
    /// settlement is in flight gets that settlement's result (marked already settled), a call after
    /// it gets <see cref="SettleResult.AlreadySettled"/> and charges nothing.
    /// </summary>
    public Task<SettleResult> Settle(SettleRequest request) =>
        _settlements.IsSettled(request.RequestId)
            ? Task.FromResult(AlreadySettled())
            : _settlements.SettleOnceAsync(request.RequestId, () => SettleOnceAsync(request));

    private async Task<SettleResult> SettleOnceAsync(SettleRequest request)
    {
        var requestId = request.RequestId;
        if (_open.Find(requestId) is not { } intent)
        {
            // Reserved by an activation we know nothing of: settled already, or its intent is in the journal.
            if (await _ledger.ContainsRequestAsync(KeyId, requestId, CancellationToken.None))
            {
                _settlements.MarkSettled(requestId);
                return AlreadySettled();
            }

            intent = await FindIntentAsync(requestId);
        }

        var usage = request.Usage;
        var cost = request.Outcome == RequestOutcome.Unknown
            ? intent.ReservedMicros
            : new ModelPrice(intent.PriceInputMicrosPerMTok, intent.PriceOutputMicrosPerMTok, intent.PriceCachedMicrosPerMTok)
                .Cost(usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens);
        if (cost == 0 && usage.InputTokens + usage.OutputTokens > 0)
        {
            LogZeroCost(_logger, KeyId, requestId, intent.Model);
            _metrics.ZeroCost(intent.Model);
        }

        // Usage is charged as the provider reported it, even past the reservation; the row says so.
        if (cost > intent.ReservedMicros)
        {
            LogOverReservation(_logger, KeyId, requestId, intent.Model, cost, intent.ReservedMicros);
            _metrics.OverReservation(intent.Model, cost - intent.ReservedMicros);
        }

        // The row replaces the intent in the journal; the copier moves it into the ledger and retires it.
        var committed = await _chain.AppendAsync(AuditRows.Settled(intent, request, cost, _time.GetUtcNow()));
        return new SettleResult(cost, _checkpoint.Budget.SpentMicros, committed.Sequence, AlreadySettled: false);
    }

    /// <summary>
    /// The intent of a request this activation does not hold, read from the key's journal shard and
    /// held. Not there either (it cannot be, unless the journal lost it): the request did reach an
    /// upstream, so it is still recorded, with what its settlement says and nothing to price it by.
    /// </summary>
    private async Task<IntentEntry> FindIntentAsync(string requestId)
    {
        HoldFound(await _journal.FindByKeyAsync(KeyId, CancellationToken.None));
        if (_open.Find(requestId) is { } intent)
        {
            return intent;
        }

        LogSettledWithoutIntent(_logger, KeyId, requestId);
        return new IntentEntry
        {
            Partition = _journal.PartitionFor(KeyId), RequestId = requestId, KeyId = KeyId, UserId = UserId,
            Model = "", Provider = "", Endpoint = "", FrontendInstance = "", Region = "", StartedAt = _time.GetUtcNow(),
        };
    }

    public async Task<int> SettleAbandoned()
    {
        if (!_state.State.Exists)
        {
            DeactivateOnIdle();
            return 0;
        }

        // Pick up intents recorded by other activations (say, on a silo that died) as well.
        HoldFound(await _journal.FindByKeyAsync(KeyId, CancellationToken.None));
        return await SettleExpiredAsync();
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        _withdrawals.ForgetBefore(_time.GetUtcNow() - _options.MaxRequestDuration - _options.AbandonGrace);
        if (_denials.NotSentCount > 0)
        {
            // Refusals whose denial rows are not yet written live only here: stay active until they are.
            DelayDeactivation(_options.SweepInterval * 3);
        }

        await _denials.RecordNotSentAsync();
        await _denials.FlushAsync(_time.GetUtcNow());
        await SettleExpiredAsync();
    }

    /// <summary>
    /// Settles as unknown, at their reservation, the requests whose front-end stopped renewing their
    /// lease or that outlived any request's longest life. A request whose settlement is in flight is
    /// not abandoned: its settler is about to finish it.
    /// </summary>
    private async Task<int> SettleExpiredAsync()
    {
        var now = _time.GetUtcNow();
        var expired = _open.Expired(now - _options.MaxRequestDuration - _options.AbandonGrace, now - _options.LeaseTimeout - _options.AbandonGrace)
            .Where(i => !_settlements.IsSettledOrInFlight(i.RequestId))
            .ToList();
        var settled = 0;
        foreach (var i in expired)
        {
            var inLedger = await _ledger.ContainsRequestAsync(KeyId, i.RequestId, CancellationToken.None);
            if (_settlements.IsSettledOrInFlight(i.RequestId))
            {
                // A late settlement from the front-end arrived while the ledger was read: it wins.
                continue;
            }

            settled++;
            if (inLedger)
            {
                // Settled by an earlier activation whose retirement of the intent was lost: retire it now.
                _budget.Forget(i.RequestId);
                _open.Remove(i.RequestId);
                _settlements.MarkSettled(i.RequestId);
                _ = RetireIntentAsync(i);
                continue;
            }

            LogAbandoned(_logger, KeyId, i.RequestId, i.ReservedMicros);
            await Settle(new SettleRequest(i.RequestId, new UsageReport(i.EstimatedInputTokens, i.OutputTokenCeiling, 0, false),
                RequestOutcome.Unknown, 0, 0, "Found unsettled after its deadline; charged at the reserved amount."));
        }

        return settled;
    }

    /// <summary>Rows just made durable: spend rises and the reservation falls in the same turn; then the copy, the budgets above, the alerts.</summary>
    private void OnCommitted(IReadOnlyList<AuditRecord> records)
    {
        foreach (var row in records)
        {
            _budget.CountOwn(KeyId, BudgetAccount.ToEntry(row));
            _open.Remove(row.RequestId);
            _settlements.MarkSettled(row.RequestId);
        }

        _copier.Copy(KeyId, records);
        _forwarder.Forward(records);
        _budget.CheckThresholds();
        if (_checkpoint.RowsSince >= _options.CheckpointEvery)
        {
            _checkpoint.WriteInBackground();
        }
    }

    /// <summary>Intents found in the journal: retired when their request is settled already, else held (unless refused as not sent).</summary>
    private void HoldFound(IEnumerable<IntentEntry> intents)
    {
        foreach (var intent in intents)
        {
            if (_settlements.IsSettled(intent.RequestId))
            {
                _ = RetireIntentAsync(intent);
            }
            else if (!_denials.IsNotSent(intent.RequestId) && _open.TryAdd(intent))
            {
                _budget.Rehold(intent, intent.TeamId);
            }
        }
    }

    /// <summary>
    /// A request refused with 503 after it was (or may have been) held: its reservation, rate slot and
    /// the holds above are released, and it is remembered until its denial row is in the ledger.
    /// </summary>
    private void NotSent(RequestContext context, DenialReason reason, string message)
    {
        Refuse(context.RequestId);
        _ = ReleaseAboveAsync(context.RequestId);
        _denials.NotSent(context, reason, message);
    }

    /// <summary>
    /// Undoes an acceptance that did not go through (a budget above refused it, the journal could not
    /// record it, the key was revoked meanwhile): nothing went upstream, so neither the reservation
    /// nor the rate-window slot stays taken.
    /// </summary>
    private void Refuse(string requestId)
    {
        _budget.Release(requestId);
        _open.Remove(requestId);
    }

    private async Task ReleaseAboveAsync(string requestId)
    {
        try
        {
            await GrainFactory.UserBudget(UserId).Release(KeyId, requestId);
        }
        catch (Exception ex)
        {
            // The user's budget drops holds that have neither a row nor an intent after a while.
            LogReleaseFailed(_logger, KeyId, requestId, ex);
        }
    }

    /// <summary>Whether the ledger holds a row for the request; when it cannot be read, taken as not (at worst a second zero-cost row).</summary>
    private async Task<bool> InLedgerAsync(string requestId)
    {
        try
        {
            return await _ledger.ContainsRequestAsync(KeyId, requestId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogLedgerReadFailed(_logger, KeyId, requestId, ex);
            return false;
        }
    }

    /// <summary>Retires an intent whose request is settled already: that version of the row only.</summary>
    private async Task RetireIntentAsync(IntentEntry intent)
    {
        try
        {
            await _journal.RetireIntentAsync(intent);
        }
        catch (Exception ex)
        {
            // The sweeper finds a retired-but-still-present intent and retires it again.
            LogRetireFailed(_logger, KeyId, intent.RequestId, ex);
        }
    }

    private IntentEntry IntentFor(BeginRequest request)
    {
        var (context, price) = (request.Context, request.Price!);
        return new IntentEntry
        {
            Partition = _journal.PartitionFor(KeyId),
            RequestId = context.RequestId,
            KeyId = KeyId,
            UserId = UserId,
            Model = context.Model,
            Provider = context.Provider,
            Endpoint = context.Endpoint,
            Streaming = context.Streaming,
            ReservedMicros = request.ReserveMicros,
            EstimatedInputTokens = request.EstimatedInputTokens,
            OutputTokenCeiling = request.OutputTokenCeiling,
            PriceInputMicrosPerMTok = price.InputMicrosPerMTok,
            PriceOutputMicrosPerMTok = price.OutputMicrosPerMTok,
            PriceCachedMicrosPerMTok = price.CachedInputMicrosPerMTok,
            FrontendInstance = context.FrontendInstance,
            Region = context.Region,
            ClientAddress = context.ClientAddress,
            StartedAt = context.StartedAt,
        };
    }

    private KeySnapshot Snapshot()
    {
        var (s, b) = (_state.State, _budget.Snapshot());
        return new KeySnapshot(KeyId, s.UserId, s.Name, s.Status, b.Limits.CapMicros ?? 0, b.SpentMicros, b.ReservedMicros, b.InFlight, _chain.RequestCount,
            s.Models, s.CreatedAt, s.RevokedAt, _chain.Sequence, RuntimeIdentity, s.ExpiresAt, _credentials.PreviousValidUntil, b.Limits.Rpm, b.Limits.Tpm, s.Capture,
            b.Limits.Period, b.PeriodStart, b.PeriodResetsAt, b.PastPeriods, b.Rate);
    }

    private SettleResult AlreadySettled() => new(0, _checkpoint.Budget.SpentMicros, _chain.Sequence, AlreadySettled: true);

    private BeginResult Withdrawn() => new(DenialReason.StorageUnavailable, NotRecordedMessage, null, UserId, _options.StorageRetryAfter);

    private static BeginResult Deny(DenialReason reason, string message, string? userId) => new(reason, message, null, userId);
}
