using Gateway.Core;
using Gateway.Core.Keys;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Gateway.Grains.Keys;

/// <summary>
/// One activation per key owns its identity, live spend, reservations and ledger chain.
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
    private readonly TimeProvider _time;
    private readonly KeyGrainOptions _options;
    private readonly Alerts.BudgetAlerts _alerts;
    private readonly KeyMetrics _metrics;
    private readonly ILogger<ApiKeyGrain> _logger;

    private readonly Dictionary<string, OpenReservation> _open = new(StringComparer.Ordinal);
    private readonly Settlements _settlements = new();
    private readonly List<PendingAppend> _appendQueue = [];
    private readonly RateWindow _rate = new();
    private Task _appendLoop = Task.CompletedTask;
    private bool _appending;
    private readonly List<LedgerEntry> _forwardQueue = [];
    private bool _forwarding;
    private Task _forwardLoop = Task.CompletedTask;
    private bool _checkpointing;
    private readonly SemaphoreSlim _checkpointLock = new(1, 1);
    private IGrainTimer? _abandonTimer;
    private readonly DenialAggregator _denials;
    private readonly NotSentRequests _notSent = new();
    private bool _recordingNotSent;
    private bool _notSentRetryScheduled;

    // Requests whose front-end gave up waiting on Begin (it answered 503), with when it said so, and
    // those whose Begin is running now: a Begin that finishes after its withdrawal is undone.
    private readonly Dictionary<string, DateTimeOffset> _withdrawn = new(StringComparer.Ordinal);
    private readonly HashSet<string> _beginning = new(StringComparer.Ordinal);

    /// <summary>Spend in the current budget period (the whole lifetime when the key has no period).</summary>
    private long _spent;
    private DateTimeOffset _periodStart;
    private long _periodRequests;
    private long _reserved;
    private long _sequence;
    private string _lastHash = "";
    private long _requestCount;

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
        _alerts = alerts;
        _metrics = metrics;
        _state = state;
        _ledger = ledger;
        _journal = journal;
        _copier = copier;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _denials = new DenialAggregator(_options.DenialAggregationWindow, _options.DenialAggregationSources);
    }

    private string KeyId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_state.State.Exists)
        {
            return;
        }

        var s = _state.State;
        _spent = s.CheckpointSpentMicros;
        _sequence = s.CheckpointSequence;
        _lastHash = s.CheckpointHash;
        _requestCount = s.CheckpointRequestCount;
        _periodStart = s.CheckpointPeriodStart;
        _periodRequests = s.CheckpointPeriodRequests;

        // The key's journal shard first: its settled rows not yet retired (copied or not) and its open
        // intents. Then the ledger partition, the record of spend: replay what was settled after the
        // last checkpoint. Read in this order, a row the copier moves meanwhile is still seen.
        var (intents, settled) = await _journal.ReadKeyAsync(KeyId, cancellationToken);
        var chain = new Dictionary<long, (string Hash, string? Previous)>();
        if (s.CheckpointSequence > 0)
        {
            chain[s.CheckpointSequence] = (s.CheckpointHash, null);
        }

        await foreach (var row in _ledger.ReadCopiedAfterAsync(KeyId, _sequence, cancellationToken))
        {
            Apply(row);
            _settlements.MarkSettled(row.RequestId);
            chain[row.Sequence] = (row.Hash, row.PreviousHash);
        }

        await RecoverSettledAsync(settled, chain, cancellationToken);

        // Intents still open were reserved by an earlier activation: they are either still in flight
        // or were abandoned by a crash. Hold them as reservations until they are settled by their
        // front-end or, past their deadline, as unknown.
        foreach (var intent in intents)
        {
            if (_settlements.IsSettled(intent.RequestId))
            {
                _ = RetireIntentAsync(intent);
                continue;
            }

            if (!_notSent.Contains(intent.RequestId))
            {
                Hold(intent);
            }
        }

        RollPeriod(_time.GetUtcNow());
        if (s.Rpm is not null || s.Tpm is not null)
        {
            _rate.Restore(await RateWindow.LastMinuteAsync(KeyId, _ledger, _time, _open.Values.Select(o => o.Intent), _ => true, cancellationToken));
        }

        StartSweeping();
    }

    /// <summary>
    /// Settled rows a previous activation left in the journal, given the chain as far as the
    /// checkpoint and the ledger know it (sequence → hash and link). Rows that continue the chain
    /// from its head are counted now. Rows at or below the head that are on the chain (the ledger
    /// or the chain holds that very row, or the next row links to it) were counted already. All of
    /// these go to the copier, which copies what is missing and retires them. A row that is on
    /// neither belongs to a fork (two activations wrote the same sequence): it is a real settlement,
    /// so unless its request is settled already it is sealed again at the end of the chain.
    /// </summary>
    private async Task RecoverSettledAsync(IReadOnlyList<AuditRecord> settled, Dictionary<long, (string Hash, string? Previous)> chain, CancellationToken cancellationToken)
    {
        var copy = new List<AuditRecord>();
        var rest = new List<AuditRecord>();
        foreach (var row in settled)
        {
            if (row.Sequence == _sequence + 1 && row.PreviousHash == _lastHash)
            {
                Apply(row);
                _settlements.MarkSettled(row.RequestId);
                chain[row.Sequence] = (row.Hash, row.PreviousHash);
                copy.Add(row);
            }
            else
            {
                rest.Add(row);
            }
        }

        var reseal = new List<AuditRecord>();
        foreach (var row in rest.OrderByDescending(r => r.Sequence))
        {
            var onChain = row.Sequence <= _sequence
                && ((chain.TryGetValue(row.Sequence, out var at) && at.Hash == row.Hash)
                    || (chain.TryGetValue(row.Sequence + 1, out var next) && next.Previous == row.Hash)
                    || await _ledger.HoldsAsync(row, cancellationToken));
            if (onChain)
            {
                chain[row.Sequence] = (row.Hash, row.PreviousHash);
                _settlements.MarkSettled(row.RequestId);
                copy.Add(row);
            }
            else if (!_settlements.IsSettled(row.RequestId))
            {
                reseal.Add(row);
            }
        }

        _copier.Copy(KeyId, copy);
        foreach (var row in reseal)
        {
            LogResealed(_logger, KeyId, row.RequestId, row.Sequence);
            _settlements.MarkSettled(row.RequestId);
            _ = ResealAsync(row);
        }
    }

    private async Task ResealAsync(AuditRecord row)
    {
        try
        {
            await AppendAsync(row with { Sequence = 0, PreviousHash = "", Hash = "" });
        }
        catch (Exception ex)
        {
            // Still in the journal under its old sequence: the next activation tries again.
            LogLedgerFailed(_logger, KeyId, 1, ex.Message);
        }
    }

    /// <summary>The head this activation holds: what audit verification checks the ledger's newest row against.</summary>
    public Task<ChainHead?> GetChainHead() =>
        Task.FromResult(_state.State.Exists ? new ChainHead(_sequence, _lastHash, _state.State.CheckpointSequence) : null);

    /// <summary>The key's own sweep: abandoned intents, and denial windows that ended with repeats counted.</summary>
    private void StartSweeping() =>
        _abandonTimer ??= this.RegisterGrainTimer(SweepAbandonedAsync, new GrainTimerCreationOptions
        {
            DueTime = _options.SweepInterval,
            Period = _options.SweepInterval,
            Interleave = true,
        });

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _abandonTimer?.Dispose();
        await RecordNotSentAsync();
        await FlushDenialsAsync(null);
        await _appendLoop;
        await _forwardLoop;

        if (_state.State.Exists && _state.State.CheckpointSequence != _sequence)
        {
            await CheckpointAsync();
        }
    }

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
        _periodStart = _state.State.CheckpointPeriodStart;
        await _state.WriteStateAsync();
        StartSweeping();
        return Snapshot();
    }

    public Task<KeySnapshot?> GetSnapshot()
    {
        if (!_state.State.Exists)
        {
            return Task.FromResult<KeySnapshot?>(null);
        }

        RollPeriod(_time.GetUtcNow());
        return Task.FromResult<KeySnapshot?>(Snapshot());
    }

    public async Task<KeyChangeResult> Update(KeyChanges changes)
    {
        var s = _state.State;
        if (Unchangeable() is { } refused)
        {
            return refused;
        }

        s.Name = changes.Name ?? s.Name;
        s.CapMicros = changes.CapMicros ?? s.CapMicros;
        s.Models = changes.Models is { } models ? [.. models] : s.Models;
        s.ExpiresAt = changes.ClearExpiry ? null : changes.ExpiresAt ?? s.ExpiresAt;
        s.Rpm = changes.ClearRpm ? null : changes.Rpm ?? s.Rpm;
        s.Tpm = changes.ClearTpm ? null : changes.Tpm ?? s.Tpm;
        if (changes.Period is { } period && period != s.Period)
        {
            // The spend so far counts in the period the change falls in.
            s.Period = period;
            _periodStart = BudgetPeriods.StartOf(period, _time.GetUtcNow());
        }

        // A lower cap may put spend past a threshold at once.
        _alerts.Observe(s.Alerts, Alerts.BudgetAlert.KeyScope, KeyId, s.Period == BudgetPeriod.None ? null : _periodStart, s.Period, s.CapMicros, _spent, s.UserId);

        await CheckpointAsync();
        return new KeyChangeResult(KeyChangeOutcome.Applied, Snapshot());
    }

    public async Task<KeyChangeResult> SetCapture(ContentCapture? capture)
    {
        if (Unchangeable() is { } refused)
        {
            return refused;
        }

        _state.State.Capture = capture;
        await CheckpointAsync();
        return new KeyChangeResult(KeyChangeOutcome.Applied, Snapshot());
    }

    public async Task<KeyChangeResult> Rotate(string newSecretHash, TimeSpan grace, string rotatedBy)
    {
        var s = _state.State;
        if (Unchangeable() is { } refused)
        {
            return refused;
        }

        // The new secret works from this turn on; the old one only within its grace, then never.
        var now = _time.GetUtcNow();
        var keepOld = grace > TimeSpan.Zero;
        s.PreviousSecretHash = keepOld ? s.SecretHash : null;
        s.PreviousSecretValidUntil = keepOld ? now + grace : null;
        s.SecretHash = newSecretHash;
        await CheckpointAsync();
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
            await CheckpointAsync();
            LogRevoked(_logger, KeyId, revokedBy);
        }

        return Snapshot();
    }

    public Task<IReadOnlyList<string>?> Authenticate(string secretHash)
    {
        // An unknown key's activation holds no state and is collected when idle like any other;
        // deactivating it here would race the concurrent calls for the same id into errors.
        var s = _state.State;
        IReadOnlyList<string>? models = s.Exists && s.Status == KeyStatus.Active && SecretMatches(secretHash) && !IsExpired() ? s.Models : null;
        return Task.FromResult(models);
    }

    public Task Renew(string requestId)
    {
        if (_open.TryGetValue(requestId, out var open))
        {
            open.LastAlive = _time.GetUtcNow();
        }

        return Task.CompletedTask;
    }

    public async Task<BeginResult?> Admit(RequestContext context, string secretHash)
    {
        if (!_state.State.Exists)
        {
            return Deny(DenialReason.UnknownKey, "Incorrect API key provided.", null);
        }

        if (IdentityDenial(secretHash) is not { } refused)
        {
            return null;
        }

        await AuditDenialAsync(context, refused.Denial, refused.Message);
        return Deny(refused.Denial, refused.Message, _state.State.UserId);
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

        if (_withdrawn.ContainsKey(requestId))
        {
            // Its front-end already refused it with 503, and Withdraw has recorded that.
            return Withdrawn();
        }

        _beginning.Add(requestId);
        try
        {
            var result = await BeginCoreAsync(request);
            if (result.Accepted && _withdrawn.ContainsKey(requestId))
            {
                // Accepted after its front-end stopped waiting: nothing will be sent, so undo it all.
                NotSent(request.Context, GrainFactory.GetGrainFast<IUserGrain>(_state.State.UserId), DenialReason.StorageUnavailable, WithdrawnMessage);
                return Withdrawn();
            }

            return result;
        }
        finally
        {
            _beginning.Remove(requestId);
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
        if (!_state.State.Exists || _withdrawn.ContainsKey(requestId) || _settlements.IsSettledOrInFlight(requestId))
        {
            return;
        }

        // From here on no Begin for it is accepted.
        _withdrawn[requestId] = _time.GetUtcNow();
        if (_beginning.Contains(requestId))
        {
            // Its Begin is still at work (waiting on a budget or the journal) and undoes it when it returns.
            return;
        }

        if (!_open.ContainsKey(requestId) && !_notSent.Contains(requestId) && await InLedgerAsync(requestId))
        {
            // A repeat after an earlier activation recorded it (or its Begin was refused with a row).
            _settlements.MarkSettled(requestId);
            return;
        }

        // Accepted too late for its front-end (held), or never begun: either way, not sent.
        NotSent(context, GrainFactory.GetGrainFast<IUserGrain>(_state.State.UserId), DenialReason.StorageUnavailable, WithdrawnMessage);
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
            LogLedgerReadFailed(_logger, KeyId, requestId, ex.Message);
            return false;
        }
    }

    private const string WithdrawnMessage = "The gateway could not admit this request in time; it was refused with 503 and not sent.";

    private BeginResult Withdrawn() => new(DenialReason.StorageUnavailable,
        "The gateway cannot record this request in its audit trail right now, so it was not sent. Try again shortly.", null, _state.State.UserId, _options.StorageRetryAfter);

    /// <summary>
    /// A request refused with 503 after it was (or may have been) held: its reservation, rate slot and
    /// the holds above are released, and it is remembered until its denial row is in the ledger.
    /// </summary>
    private void NotSent(RequestContext context, IUserGrain user, DenialReason reason, string message)
    {
        Refuse(context.RequestId);
        _ = ReleaseAboveAsync(user, context.RequestId);
        _notSent.Add(context, reason, message);
        _ = RecordNotSentAsync();
    }

    private async Task<BeginResult> BeginCoreAsync(BeginRequest request)
    {
        var s = _state.State;
        var context = request.Context;

        RollPeriod(_time.GetUtcNow());
        DenialReason denial;
        string message;
        if (IdentityDenial(request.SecretHash) is { } refused)
        {
            (denial, message) = refused;
        }
        else if (!ModelPattern.IsAllowed(s.Models, context.Model))
        {
            (denial, message) = (DenialReason.ModelNotAllowed, $"This key is not allowed to use the model '{context.Model}'.");
        }
        else if (request.Price is null)
        {
            (denial, message) = (DenialReason.ModelNotPriced, $"The model '{context.Model}' has no price configured on this gateway, so its cost cannot be controlled.");
        }
        else if (_rate.WaitFor(_time.GetUtcNow(), s.Rpm, s.Tpm, RateTokens(request)) is { } wait && wait > TimeSpan.Zero)
        {
            var limit = s.Rpm is { } rpm && _rate.Requests >= rpm ? $"{rpm} requests per minute" : $"{s.Tpm} tokens per minute";
            await AuditDenialAsync(context, DenialReason.RateLimited, $"Rate limit reached: this key allows {limit}.");
            return new BeginResult(DenialReason.RateLimited, $"Rate limit reached: this key allows {limit}. Try again in {Math.Ceiling(wait.TotalSeconds)} s.", null, s.UserId, wait);
        }
        else if (s.Tpm is { } tpm && RateTokens(request) > tpm)
        {
            (denial, message) = (DenialReason.RateLimited, $"This request may use {RateTokens(request)} tokens, more than the key's limit of {tpm} tokens per minute; lower max_tokens.");
        }
        else if (_spent + _reserved + request.ReserveMicros > s.CapMicros)
        {
            var remaining = Math.Max(0, s.CapMicros - _spent - _reserved);
            if (_reserved == 0)
            {
                _alerts.Refused(s.Alerts, Alerts.BudgetAlert.KeyScope, KeyId, s.Period == BudgetPeriod.None ? null : _periodStart, s.Period, s.CapMicros, _spent, s.UserId);
            }

            (denial, message) = (DenialReason.OverBudget,
                $"You exceeded your current quota: this request may cost up to ${Gateway.Core.Money.ToUsd(request.ReserveMicros)} and the key has ${Gateway.Core.Money.ToUsd(remaining)} left of its ${Gateway.Core.Money.ToUsd(s.CapMicros)} cap.");
        }
        else
        {
            return await ReserveAsync(request);
        }

        await AuditDenialAsync(context, denial, message);
        return Deny(denial, message, s.UserId);
    }

    private async Task<BeginResult> ReserveAsync(BeginRequest request)
    {
        var context = request.Context;
        var price = request.Price!;
        var userId = _state.State.UserId;
        var intent = new IntentEntry
        {
            Partition = _journal.PartitionFor(KeyId),
            RequestId = context.RequestId,
            KeyId = KeyId,
            UserId = userId,
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

        // Reserve in this turn, before any await, so concurrent requests see it.
        if (!Hold(intent))
        {
            return Deny(DenialReason.AuditUnavailable, "Duplicate request id.", userId);
        }

        var now = _time.GetUtcNow();
        _rate.Add(context.RequestId, now, RateTokens(request));

        // Then the budgets above the key, in a fixed order: the user's grain holds it on the user's
        // budget and then on the team's.
        var user = GrainFactory.GetGrainFast<IUserGrain>(userId);
        BudgetHoldResult held;
        try
        {
            held = await user.Reserve(new BudgetHold(KeyId, context.RequestId, request.ReserveMicros, RateTokens(request), context.StartedAt));
        }
        catch (Exception ex)
        {
            // The hold above may have landed: released, and the refusal recorded like any not sent.
            LogBudgetUnavailable(_logger, KeyId, context.RequestId, ex.Message);
            const string budgetMessage = "The gateway cannot check this request against your user's budget right now, so it was not sent.";
            NotSent(context, user, DenialReason.AuditUnavailable, budgetMessage);
            return new BeginResult(DenialReason.AuditUnavailable, budgetMessage, null, userId, _options.StorageRetryAfter);
        }

        if (!held.Accepted)
        {
            Refuse(context.RequestId);
            await AuditDenialAsync(context, held.Denial, held.Message!);
            return new BeginResult(held.Denial, held.Message, null, userId, held.RetryAfter);
        }

        intent = intent with { TeamId = held.TeamId };
        if (_open.TryGetValue(context.RequestId, out var open))
        {
            open.Intent = intent;
        }

        try
        {
            // Bounded: a stalled store must give the caller a fast 503, not Orleans' 30-second call timeout.
            await _journal.RecordAsync(intent).WaitAsync(_options.IntentWriteTimeout);
        }
        catch (Exception ex)
        {
            LogIntentFailed(_logger, KeyId, context.RequestId, ex);

            // The write may still land; the request was not sent, so it is remembered as not sent
            // until its denial row is in the ledger, and never charged.
            NotSent(context, user, DenialReason.StorageUnavailable, "The intent could not be recorded in time; the request was refused with 503 and not sent.");
            return new BeginResult(DenialReason.StorageUnavailable,
                "The gateway cannot record this request in its audit trail right now, so it was not sent. Try again shortly.", null, userId, _options.StorageRetryAfter);
        }

        if (_state.State.Status == KeyStatus.Revoked)
        {
            // Revoked while this request waited on the budgets or the journal: once a revoke has
            // returned nothing may be accepted, and nothing has gone upstream yet, so undo it all.
            // Its denial row is written on its own (never folded into a counted one), replacing the intent.
            Refuse(context.RequestId);
            _ = ReleaseAboveAsync(user, context.RequestId);
            await AppendDenialAsync(context, context.StartedAt, DenialReason.Revoked, "This API key has been revoked.", 1);
            return Deny(DenialReason.Revoked, "This API key has been revoked.", userId);
        }

        return new BeginResult(DenialReason.None, null, new Reservation(context.RequestId, request.ReserveMicros, _journal.PartitionFor(KeyId), context.StartedAt), userId,
            CaptureContent: _state.State.Capture is not null, Rate: RateUsage.Tightest(RateUsageNow(), held.Rate));
    }

    private async Task ReleaseAboveAsync(IUserGrain user, string requestId)
    {
        try
        {
            await user.Release(KeyId, requestId);
        }
        catch (Exception ex)
        {
            // The user's budget drops holds that have neither a row nor an intent after a while.
            LogReleaseFailed(_logger, KeyId, requestId, ex.Message);
        }
    }

    /// <summary>
    /// Settles a request once, however often and by whomever it is called: a repeat while the first
    /// settlement is in flight gets that settlement's result (marked already settled), a call after
    /// it gets <see cref="SettleResult.AlreadySettled"/> and charges nothing.
    /// </summary>
    public Task<SettleResult> Settle(SettleRequest request)
    {
        var requestId = request.Context.RequestId;
        return _settlements.IsSettled(requestId)
            ? Task.FromResult(new SettleResult(0, _spent, _sequence, AlreadySettled: true))
            : _settlements.SettleOnceAsync(requestId, () => SettleOnceAsync(request));
    }

    private async Task<SettleResult> SettleOnceAsync(SettleRequest request)
    {
        var requestId = request.Context.RequestId;
        if (!_open.ContainsKey(requestId))
        {
            // Reserved by an activation we know nothing of and not found in the journal: settle it
            // all the same (it reached an upstream), unless a row for it already exists.
            if (await _ledger.ContainsRequestAsync(KeyId, requestId, CancellationToken.None))
            {
                _settlements.MarkSettled(requestId);
                return new SettleResult(0, _spent, _sequence, AlreadySettled: true);
            }
        }

        var usage = request.Usage;
        _rate.Correct(requestId, usage.InputTokens + usage.OutputTokens);
        var cost = request.Outcome == RequestOutcome.Unknown
            ? request.Reservation.ReservedMicros
            : request.Price.Cost(usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens);
        if (cost == 0 && usage.InputTokens + usage.OutputTokens > 0)
        {
            LogZeroCost(_logger, KeyId, requestId, request.Context.Model);
            _metrics.ZeroCost(request.Context.Model);
        }

        // Usage is charged as the provider reported it, even past the reservation; the row says so.
        var over = Math.Max(0, cost - request.Reservation.ReservedMicros);
        if (over > 0)
        {
            LogOverReservation(_logger, KeyId, requestId, request.Context.Model, cost, request.Reservation.ReservedMicros);
            _metrics.OverReservation(request.Context.Model, over);
        }

        var context = request.Context;
        var record = new AuditRecord
        {
            KeyId = KeyId,
            Sequence = 0,
            PreviousHash = "",
            RequestId = requestId,
            UserId = _state.State.UserId,
            TeamId = _open.TryGetValue(requestId, out var settling) ? settling.Intent.TeamId : null,
            Model = context.Model,
            Provider = context.Provider,
            Endpoint = context.Endpoint,
            Streaming = context.Streaming,
            InputTokens = usage.InputTokens,
            OutputTokens = usage.OutputTokens,
            CachedInputTokens = usage.CachedInputTokens,
            UsageReported = usage.ReportedByProvider,
            ReservedMicros = request.Reservation.ReservedMicros,
            CostMicros = cost,
            OverReservationMicros = over,
            PriceInputMicrosPerMTok = request.Price.InputMicrosPerMTok,
            PriceOutputMicrosPerMTok = request.Price.OutputMicrosPerMTok,
            PriceCachedMicrosPerMTok = request.Price.CachedInputMicrosPerMTok,
            HttpStatus = request.HttpStatus,
            Outcome = OutcomeName(request.Outcome),
            Error = request.Error,
            LatencyMs = request.LatencyMs,
            FrontendInstance = context.FrontendInstance,
            Region = context.Region,
            ClientAddress = context.ClientAddress,
            StartedAt = context.StartedAt,
            RecordedAt = _time.GetUtcNow(),
        };

        // The row replaces the intent in the journal; the copier moves it into the ledger and retires it.
        var committed = await AppendAsync(record);
        return new SettleResult(cost, _spent, committed.Sequence, AlreadySettled: false);
    }

    public async Task<int> SettleAbandoned()
    {
        if (!_state.State.Exists)
        {
            DeactivateOnIdle();
            return 0;
        }

        // Pick up intents recorded by other activations (say, on a silo that died) as well.
        foreach (var intent in await _journal.FindByKeyAsync(KeyId, CancellationToken.None))
        {
            if (_settlements.IsSettled(intent.RequestId))
            {
                _ = RetireIntentAsync(intent);
            }
            else if (!_notSent.Contains(intent.RequestId))
            {
                Hold(intent);
            }
        }

        return await SettleExpiredAsync();
    }

    private async Task SweepAbandonedAsync(CancellationToken cancellationToken)
    {
        var forgetBefore = _time.GetUtcNow() - _options.MaxRequestDuration - _options.AbandonGrace;
        foreach (var id in _withdrawn.Where(w => w.Value < forgetBefore).Select(w => w.Key).ToList())
        {
            _withdrawn.Remove(id);
        }

        if (_notSent.Count > 0)
        {
            // Refusals whose denial rows are not yet written live only here: stay active until they are.
            DelayDeactivation(_options.SweepInterval * 3);
        }

        await RecordNotSentAsync();
        await FlushDenialsAsync(_time.GetUtcNow());
        await SettleExpiredAsync();
    }

    private async Task<int> SettleExpiredAsync()
    {
        // Abandoned: its front-end stopped renewing its lease, or it outlived any request's longest
        // life. A request whose settlement is in flight is not abandoned: its settler is about to finish it.
        var now = _time.GetUtcNow();
        var outlived = now - _options.MaxRequestDuration - _options.AbandonGrace;
        var unrenewed = now - _options.LeaseTimeout - _options.AbandonGrace;
        var expired = _open.Values
            .Where(o => !_settlements.IsSettledOrInFlight(o.Intent.RequestId) && (o.Intent.StartedAt < outlived || o.LastAlive < unrenewed))
            .ToList();
        var settled = 0;
        foreach (var open in expired)
        {
            var i = open.Intent;
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
                Release(i.RequestId);
                _settlements.MarkSettled(i.RequestId);
                _ = RetireIntentAsync(i);
                continue;
            }

            var context = new RequestContext(i.RequestId, i.Model, i.Provider, i.Endpoint, i.Streaming, i.FrontendInstance, i.Region, i.StartedAt, i.ClientAddress);
            var price = new ModelPrice(i.PriceInputMicrosPerMTok, i.PriceOutputMicrosPerMTok, i.PriceCachedMicrosPerMTok);
            var reservation = new Reservation(i.RequestId, i.ReservedMicros, i.Partition, i.StartedAt);
            LogAbandoned(_logger, KeyId, i.RequestId, i.ReservedMicros);
            await Settle(new SettleRequest(context, reservation, price, new UsageReport(i.EstimatedInputTokens, i.OutputTokenCeiling, 0, false),
                RequestOutcome.Unknown, 0, 0, "Found unsettled after its deadline; charged at the reserved amount."));
        }

        return settled;
    }

    /// <summary>Why the presented secret may not use this key (wrong, revoked, expired), or null when it may.</summary>
    private (DenialReason Denial, string Message)? IdentityDenial(string secretHash)
    {
        var s = _state.State;
        if (!SecretMatches(secretHash))
        {
            return (DenialReason.UnknownKey, "Incorrect API key provided.");
        }

        if (s.Status == KeyStatus.Revoked)
        {
            return (DenialReason.Revoked, "This API key has been revoked.");
        }

        return IsExpired() ? (DenialReason.Expired, $"This API key expired at {s.ExpiresAt:u}.") : null;
    }

    /// <summary>The current secret, or the previous one while its rotation grace lasts; both compared in constant time.</summary>
    private bool SecretMatches(string presentedHash)
    {
        var s = _state.State;
        var current = ApiKeyFormat.HashesEqual(presentedHash, s.SecretHash);
        var previous = s.PreviousSecretHash is { } old && s.PreviousSecretValidUntil is { } until
            && _time.GetUtcNow() < until && ApiKeyFormat.HashesEqual(presentedHash, old);
        return current | previous;
    }

    /// <summary>What a request counts against tokens-per-minute until it settles: its prompt and its output ceiling.</summary>
    private static long RateTokens(BeginRequest request) => (long)request.EstimatedInputTokens + request.OutputTokenCeiling;

    private bool IsExpired() => _state.State.ExpiresAt is { } expires && _time.GetUtcNow() >= expires;

    private bool Hold(IntentEntry intent)
    {
        if (_open.ContainsKey(intent.RequestId))
        {
            return false;
        }

        _open[intent.RequestId] = new OpenReservation(intent, _time.GetUtcNow());
        _reserved += intent.ReservedMicros;
        return true;
    }

    /// <summary>
    /// Undoes an acceptance that did not go through (a budget above refused it, the journal could not
    /// record it, the key was revoked meanwhile): nothing went upstream, so neither the reservation
    /// nor the rate-window slot stays taken.
    /// </summary>
    private void Refuse(string requestId)
    {
        Release(requestId);
        _rate.Remove(requestId);
    }

    private void Release(string requestId)
    {
        if (_open.Remove(requestId, out var open))
        {
            _reserved -= open.Intent.ReservedMicros;
        }
    }

    private void Apply(AuditRecord row)
    {
        // A row counts in the period it was recorded in; replaying rows after a long sleep rolls
        // periods at the right points.
        RollPeriod(row.RecordedAt);
        _spent += row.CostMicros;
        _sequence = row.Sequence;
        _lastHash = row.Hash;
        if (row.Outcome != OutcomeName(RequestOutcome.Denied))
        {
            _requestCount++;
            _periodRequests++;
        }
    }

    /// <summary>
    /// Starts a new budget period when <paramref name="at"/> is past the current one's end: the
    /// finished period goes into the key's history and spend starts again from zero.
    /// </summary>
    private void RollPeriod(DateTimeOffset at)
    {
        var s = _state.State;
        if (BudgetPeriods.CloseIfEnded(s.Period, _periodStart, at, _spent, _periodRequests, s.PastPeriods) is not { } next)
        {
            return;
        }

        _periodStart = next;
        _spent = 0;
        _periodRequests = 0;
        if (!_checkpointing)
        {
            _checkpointing = true;
            _ = CheckpointInBackgroundAsync();
        }
    }

    private async Task AuditDenialAsync(RequestContext context, DenialReason denial, string message)
    {
        var now = _time.GetUtcNow();
        await FlushDenialsAsync(now);
        if (_denials.TryCount(denial, context, message, now))
        {
            // A repeat within the window of one already written: it goes into that window's counted row.
            return;
        }

        await AppendDenialAsync(context, context.StartedAt, denial, message, 1);
    }

    /// <summary>
    /// Writes the denial rows of requests refused for want of storage, oldest first, and retires
    /// their intents in case they landed. One pass at a time; what fails waits for the next sweep.
    /// </summary>
    private async Task RecordNotSentAsync()
    {
        if (_recordingNotSent || _notSent.Count == 0 || !_state.State.Exists)
        {
            return;
        }

        _recordingNotSent = true;
        try
        {
            // All queued at once, so they share ledger transactions rather than a round trip each.
            var pending = _notSent.Pending();
            var appends = pending.Select(n => AppendAsync(DenialRecord(n.Context, n.Context.StartedAt, n.Reason, n.Message, 1))).ToList();
            Exception? failure = null;
            for (var i = 0; i < pending.Count; i++)
            {
                try
                {
                    await appends[i];
                }
                catch (Exception ex)
                {
                    failure ??= ex;
                    continue;
                }

                // Its row replaced the intent, had it landed: the copier retires it with the row.
                _notSent.Remove(pending[i].Context.RequestId);
            }

            if (failure is not null)
            {
                LogNotSentPending(_logger, KeyId, _notSent.Count, failure);
                _ = RecordNotSentSoonAsync();
            }
        }
        finally
        {
            _recordingNotSent = false;
        }
    }

    /// <summary>Tries the refusals' rows again shortly rather than at the next sweep (one retry scheduled at a time).</summary>
    private async Task RecordNotSentSoonAsync()
    {
        if (_notSentRetryScheduled)
        {
            return;
        }

        _notSentRetryScheduled = true;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), _time);
        }
        finally
        {
            _notSentRetryScheduled = false;
        }

        await RecordNotSentAsync();
    }

    /// <summary>Writes the counted rows of denial windows that ended by <paramref name="now"/> (all, when null).</summary>
    private async Task FlushDenialsAsync(DateTimeOffset? now)
    {
        if (!_state.State.Exists)
        {
            return;
        }

        foreach (var repeats in _denials.TakeDue(now))
        {
            var last = repeats.Last;
            var detail = $"{repeats.Count} more requests refused for the same reason from {last.ClientAddress ?? "an unknown address"} "
                + $"between {repeats.First.StartedAt:u} and {last.StartedAt:u} (last request {last.RequestId}): {repeats.Message}";
            await AppendDenialAsync(last, repeats.First.StartedAt, repeats.Reason, detail, repeats.Count);
        }
    }

    private async Task AppendDenialAsync(RequestContext context, DateTimeOffset startedAt, DenialReason denial, string message, long count)
    {
        try
        {
            await AppendAsync(DenialRecord(context, startedAt, denial, message, count));
        }
        catch (Exception ex)
        {
            // The request is refused whatever happens here; nothing went upstream.
            LogDenialNotAudited(_logger, KeyId, context.RequestId, ex.Message);
        }
    }

    private AuditRecord DenialRecord(RequestContext context, DateTimeOffset startedAt, DenialReason denial, string message, long count) =>
        new()
        {
            KeyId = KeyId,
            Sequence = 0,
            PreviousHash = "",
            RequestId = context.RequestId,
            UserId = _state.State.UserId,
            Model = context.Model,
            Provider = context.Provider,
            Endpoint = context.Endpoint,
            Streaming = context.Streaming,
            HttpStatus = DenialStatus(denial),
            Outcome = OutcomeName(RequestOutcome.Denied),
            Denial = denial.ToString(),
            Error = message,
            FrontendInstance = context.FrontendInstance,
            Region = context.Region,
            ClientAddress = context.ClientAddress,
            StartedAt = startedAt,
            RecordedAt = _time.GetUtcNow(),
            Count = count,
        };

    /// <summary>
    /// Queues a row for the key's ledger and waits until it is committed. Rows that queue while a
    /// commit is in flight go together in the next one (group commit within the key's partition);
    /// sequence numbers and the hash chain are assigned in commit order.
    /// </summary>
    private Task<AuditRecord> AppendAsync(AuditRecord record)
    {
        var pending = new PendingAppend(record);
        _appendQueue.Add(pending);
        if (!_appending)
        {
            // The flag, not the task, says whether a loop runs: a loop that finishes synchronously
            // must not leave a stale task behind that would stop the next one from starting.
            _appending = true;
            _appendLoop = RunAppendLoopAsync();
        }

        return pending.Completion.Task;
    }

    private async Task RunAppendLoopAsync()
    {
        try
        {
            while (_appendQueue.Count > 0)
            {
                var batch = _appendQueue.Take(AuditBatch.MaxRows).ToList();
                _appendQueue.RemoveRange(0, batch.Count);
                var records = new List<AuditRecord>(batch.Count);
                var previous = _lastHash;
                var sequence = _sequence;
                foreach (var pending in batch)
                {
                    var chained = _ledger.Seal(pending.Record, ++sequence, previous);
                    previous = chained.Hash;
                    records.Add(chained);
                }

                // Durable in the key's journal shard, in one transaction shared with other keys' rows;
                // each row replaces its request's intent. The ledger copy follows behind.
                if (!await WriteToJournalAsync(batch, records))
                {
                    continue;
                }

                for (var i = 0; i < records.Count; i++)
                {
                    // Spend rises and the reservation falls in the same turn, once the row is durable.
                    Apply(records[i]);
                    Release(records[i].RequestId);
                    _settlements.MarkSettled(records[i].RequestId);
                    batch[i].Completion.TrySetResult(records[i]);
                }

                _copier.Copy(KeyId, records);
                Forward(records);
                var s = _state.State;
                _alerts.Observe(s.Alerts, Alerts.BudgetAlert.KeyScope, KeyId, s.Period == BudgetPeriod.None ? null : _periodStart, s.Period, s.CapMicros, _spent, s.UserId);

                if (_sequence - _state.State.CheckpointSequence >= _options.CheckpointEvery && !_checkpointing)
                {
                    _checkpointing = true;
                    _ = CheckpointInBackgroundAsync();
                }
            }
        }
        finally
        {
            _appending = false;
        }
    }

    private void FailBatch(List<PendingAppend> batch, Exception ex)
    {
        LogLedgerFailed(_logger, KeyId, batch.Count, ex.Message);
        foreach (var pending in batch)
        {
            pending.Completion.TrySetException(ex);
        }
    }

    /// <summary>
    /// Writes sealed rows to the journal. Storage refusing them (a client error: nothing landed)
    /// fails the batch, and its sequence numbers are used again by the next. No answer (a timeout, a
    /// reset, a server error) leaves it unknown whether they landed, so the very same rows are
    /// written again, with growing pauses, until storage answers: no other row may take sequence
    /// numbers these may already hold. Their callers wait (a front-end's repeated settle joins them).
    /// </summary>
    private async Task<bool> WriteToJournalAsync(List<PendingAppend> batch, List<AuditRecord> records)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _journal.WriteSettledAsync(records);
                return true;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status is >= 400 and < 500 and not 408 and not 429)
            {
                FailBatch(batch, ex);
                return false;
            }
            catch (Exception ex)
            {
                LogLedgerInDoubt(_logger, KeyId, records.Count, attempt + 1, ex.Message);
                await Task.Delay(JournalRetryPauses[Math.Min(attempt, JournalRetryPauses.Length - 1)], _time);
            }
        }
    }

    private static readonly TimeSpan[] JournalRetryPauses = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// Passes committed rows on to the user's budget (which passes them to the team's), in sequence
    /// order, one call at a time. A call that fails is retried a few times; after that the user's
    /// budget fills the gap from the ledger when it next hears from this key, or when it sweeps.
    /// </summary>
    private void Forward(IReadOnlyList<AuditRecord> records)
    {
        _forwardQueue.AddRange(records.Select(Budgets.BudgetAccount.ToEntry));
        if (!_forwarding)
        {
            _forwarding = true;
            _forwardLoop = RunForwardLoopAsync();
        }
    }

    private async Task RunForwardLoopAsync()
    {
        try
        {
            var user = GrainFactory.GetGrainFast<IUserGrain>(_state.State.UserId);
            while (_forwardQueue.Count > 0)
            {
                var batch = _forwardQueue.Take(500).ToList();
                _forwardQueue.RemoveRange(0, batch.Count);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await user.Settled(KeyId, batch);
                        break;
                    }
                    catch (Exception ex) when (attempt < 3)
                    {
                        LogForwardRetry(_logger, KeyId, batch.Count, ex.Message);
                    }
                    catch (Exception ex)
                    {
                        LogForwardFailed(_logger, KeyId, batch.Count, ex.Message);
                        break;
                    }
                }
            }
        }
        finally
        {
            _forwarding = false;
        }
    }

    private async Task CheckpointAsync()
    {
        // Reentrancy means two checkpoints could overlap; storage ETags allow one writer at a time.
        await _checkpointLock.WaitAsync();
        try
        {
            var s = _state.State;
            s.CheckpointSequence = _sequence;
            s.CheckpointSpentMicros = _spent;
            s.CheckpointRequestCount = _requestCount;
            s.CheckpointHash = _lastHash;
            s.CheckpointPeriodStart = _periodStart;
            s.CheckpointPeriodRequests = _periodRequests;
            await _state.WriteStateAsync();
        }
        finally
        {
            _checkpointLock.Release();
        }
    }

    private async Task CheckpointInBackgroundAsync()
    {
        try
        {
            await CheckpointAsync();
        }
        catch (Exception ex)
        {
            // Only replay at the next activation grows; the ledger already holds every row.
            LogCheckpointFailed(_logger, KeyId, ex.Message);
        }
        finally
        {
            _checkpointing = false;
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
            LogRetireFailed(_logger, KeyId, intent.RequestId, ex.Message);
        }
    }

    private KeySnapshot Snapshot()
    {
        var s = _state.State;
        return new KeySnapshot(KeyId, s.UserId, s.Name, s.Status, s.CapMicros, _spent, _reserved, _open.Count, _requestCount,
            s.Models, s.CreatedAt, s.RevokedAt, _sequence, RuntimeIdentity, s.ExpiresAt,
            s.PreviousSecretValidUntil is { } until && until > _time.GetUtcNow() ? until : null, s.Rpm, s.Tpm, s.Capture,
            s.Period, s.Period == BudgetPeriod.None ? null : _periodStart, BudgetPeriods.NextAfter(s.Period, _periodStart), [.. s.PastPeriods],
            RateUsageNow());
    }

    private RateUsage RateUsageNow()
    {
        var (requests, tokens) = _rate.Usage(_time.GetUtcNow());
        return new RateUsage(_state.State.Rpm, _state.State.Tpm, requests, tokens);
    }

    private static BeginResult Deny(DenialReason reason, string message, string? userId) => new(reason, message, null, userId);

    public static string OutcomeName(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Completed => "completed",
        RequestOutcome.UpstreamError => "upstream_error",
        RequestOutcome.ClientAborted => "client_aborted",
        RequestOutcome.Timeout => "timeout",
        RequestOutcome.Unknown => "unknown",
        RequestOutcome.Denied => "denied",
        _ => outcome.ToString(),
    };

    private static int DenialStatus(DenialReason reason) => reason switch
    {
        DenialReason.UnknownKey or DenialReason.Revoked or DenialReason.Expired => 401,
        DenialReason.ModelNotAllowed => 403,
        DenialReason.ModelNotPriced => 404,
        DenialReason.OverBudget or DenialReason.RateLimited => 429,
        DenialReason.StorageUnavailable => 503,
        _ => 503,
    };

    private sealed class OpenReservation(IntentEntry intent, DateTimeOffset heldAt)
    {
        /// <summary>The intent; it gains its team once the budgets above the key have held it.</summary>
        public IntentEntry Intent { get; set; } = intent;

        /// <summary>When its front-end last showed it was alive: the hold (or this activation's re-hold) or a renewal.</summary>
        public DateTimeOffset LastAlive { get; set; } = heldAt;
    }

    private sealed record PendingAppend(AuditRecord Record)
    {
        public TaskCompletionSource<AuditRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyId} revoked by {RevokedBy}")]
    private static partial void LogRevoked(ILogger logger, string keyId, string revokedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyId} rotated by {RotatedBy}; the previous secret stays valid for {Grace}")]
    private static partial void LogRotated(ILogger logger, string keyId, string rotatedBy, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: intent for request {RequestId} could not be recorded in time; request refused with 503 and not sent")]
    private static partial void LogIntentFailed(ILogger logger, string keyId, string requestId, Exception exception);



    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: {Count} requests refused for want of storage still wait for their denial rows; retrying at the next sweep")]
    private static partial void LogNotSentPending(ILogger logger, string keyId, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId} could not be held on the user's budget ({Reason}); request refused")]
    private static partial void LogBudgetUnavailable(ILogger logger, string keyId, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: releasing request {RequestId} on the user's budget failed ({Reason}); its sweep will drop it")]
    private static partial void LogReleaseFailed(ILogger logger, string keyId, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: passing {Count} settled rows to the user's budget failed ({Reason}); retrying")]
    private static partial void LogForwardRetry(ILogger logger, string keyId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: passing {Count} settled rows to the user's budget failed ({Reason}); it will read them from the ledger")]
    private static partial void LogForwardFailed(ILogger logger, string keyId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} on {Model} settled with tokens but zero cost; check the price table")]
    private static partial void LogZeroCost(ILogger logger, string keyId, string requestId, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} on {Model} cost {CostMicros} micro-dollars as reported, above its reservation of {ReservedMicros}")]
    private static partial void LogOverReservation(ILogger logger, string keyId, string requestId, string model, long costMicros, long reservedMicros);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId} abandoned; settling as unknown at {ReservedMicros} micro-dollars")]
    private static partial void LogAbandoned(ILogger logger, string keyId, string requestId, long reservedMicros);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: denial of request {RequestId} could not be audited ({Reason})")]
    private static partial void LogDenialNotAudited(ILogger logger, string keyId, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: could not look up request {RequestId} in the ledger ({Reason}); recording its withdrawal anyway")]
    private static partial void LogLedgerReadFailed(ILogger logger, string keyId, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: writing {Count} settled rows to the journal got no answer on try {Attempt} ({Reason}); writing the same rows again")]
    private static partial void LogLedgerInDoubt(ILogger logger, string keyId, int count, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId}'s row at sequence {Sequence} in the journal is off the chain (a fork); sealing it again at the chain's end")]
    private static partial void LogResealed(ILogger logger, string keyId, string requestId, long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: ledger commit of {Count} rows failed ({Reason})")]
    private static partial void LogLedgerFailed(ILogger logger, string keyId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: checkpoint failed ({Reason})")]
    private static partial void LogCheckpointFailed(ILogger logger, string keyId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: retiring intent {RequestId} failed ({Reason}); the sweeper will retry")]
    private static partial void LogRetireFailed(ILogger logger, string keyId, string requestId, string reason);
}
