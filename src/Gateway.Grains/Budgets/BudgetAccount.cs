using Azure;
using Gateway.Core;
using Gateway.Grains.Alerts;
using Gateway.Grains.Keys;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Budgets;

/// <summary>
/// The budget of a key, a user or a team, owned by that grain: live spend for the period,
/// reservations of requests in flight (under any of its keys, for a user or a team), and rate windows
/// across them. A key's grain counts its own rows as it commits them (<see cref="CountOwn"/>) and
/// restores itself from its checkpoint and chain; users and teams use the rest (activation, filling
/// gaps from the ledger, sweeping).
/// <para>
/// Every check-and-hold happens in one synchronous call, so concurrent requests from several keys
/// can't slip past the cap together. Spend rises only from ledger rows, applied per key in sequence
/// order exactly once; a row that arrives out of order (a notification was lost) makes the account
/// read the missing rows from the key's ledger, so the spend always equals the ledger's.
/// </para>
/// </summary>
public sealed partial class BudgetAccount
{
    /// <summary>Keys whose ledger and journal rows a restore reads at once.</summary>
    private const int KeysReadAtOnce = 16;

    private readonly string _scope;
    private readonly string _id;
    private readonly Func<BudgetState> _state;
    private readonly AuditLedger _ledger;
    private readonly IntentJournal _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BudgetAlerts _alerts;
    private readonly StateWriter _writer;
    private readonly KeyGrainOptions _options;
    private readonly Dictionary<string, Hold> _holds = new(StringComparer.Ordinal);
    private readonly RateWindow _rate = new();
    private readonly SpendVelocity? _velocity;
    private long _reserved;
    private int _appliedSinceCheckpoint;

    /// <param name="scope"><see cref="BudgetAlert.KeyScope"/>, <see cref="BudgetAlert.UserScope"/> or <see cref="BudgetAlert.TeamScope"/>: which rows count and which intents are this budget's follow from it.</param>
    /// <param name="state">The persisted budget state; a function, since the grain may replace its state object.</param>
    /// <param name="writer">Writes the grain's whole state, the budget in it; the account checkpoints through it.</param>
    public BudgetAccount(string scope, string id, Func<BudgetState> state, StateWriter writer,
        AuditLedger ledger, IntentJournal journal, BudgetAlerts alerts, KeyGrainOptions options, TimeProvider time, ILogger logger)
    {
        _alerts = alerts;
        _writer = writer;
        _options = options;
        _scope = scope;
        _id = id;
        _state = state;
        _ledger = ledger;
        _journal = journal;
        _time = time;
        _logger = logger;

        // Velocity is watched for keys and users; a team's spike is its members' and keys' spikes.
        _velocity = scope == BudgetAlert.TeamScope ? null : alerts.NewVelocity();
    }

    /// <summary>The team an alert of this budget names: a user's current team (a team's own alerts name the team anyway).</summary>
    public Func<string?> AlertTeam { get; init; } = () => null;

    /// <summary>The user an alert of this budget names: a key's owner (a user's own alerts name the user anyway).</summary>
    public Func<string?> AlertUser { get; init; } = () => null;

    /// <summary>Called when a period closes: a key checkpoints at once, so its history is durable without a replay.</summary>
    public Action? PeriodClosed { get; init; }

    private IGrainTimer? _sweepTimer;

    private BudgetState State => _state();

    private bool IsTeam => _scope == BudgetAlert.TeamScope;

    private bool IsKey => _scope == BudgetAlert.KeyScope;

    /// <summary>A user counts every row of its keys; a team only the rows whose reservation it held.</summary>
    private bool Counts(LedgerEntry entry) => !IsTeam || entry.TeamId == _id;

    /// <summary>
    /// At activation: brings the budget up to date from the ledger and the journal, then sweeps it
    /// on the grain's timer.
    /// </summary>
    public async Task ActivateAsync(IGrainBase grain, IEnumerable<string> keyIds, CancellationToken cancellationToken)
    {
        await RestoreAsync(keyIds, cancellationToken);
        StartSweeping(grain);
    }

    /// <summary>
    /// At activation: where the normal spend of a key or user from before it is, read at its first
    /// counted row (<see cref="CheckThresholds"/>), so a grain woken only to be looked at (an admin
    /// listing) reads nothing and allocates no buckets. The usage rollups of its keys (one partition
    /// each, a row-key range) by hour, since it was created and within the baseline: the
    /// multiple-of-normal rule then judges a runaway that starts as the budget wakes (an agent
    /// looping overnight on a key that had gone idle) against its past, not against the runaway.
    /// </summary>
    public void SeedVelocityFrom(UsageRollups rollups, Func<IEnumerable<string>> keyIds, DateTimeOffset createdAt) =>
        _velocitySeed = _velocity is null ? null : new VelocitySeed(rollups, keyIds, createdAt);

    private VelocitySeed? _velocitySeed;

    private sealed record VelocitySeed(UsageRollups Rollups, Func<IEnumerable<string>> KeyIds, DateTimeOffset CreatedAt);

    /// <summary>Reads the seed and checks the window again with it. Velocity alerts refuse nothing, so a failed read costs the seed only.</summary>
    private async Task SeedVelocityAsync(VelocitySeed seed)
    {
        if (_velocity is null || !_alerts.WatchesNormal(State.Controls))
        {
            return;
        }

        var now = _time.GetUtcNow();
        var since = seed.CreatedAt > now - _velocity.BaselineLength ? seed.CreatedAt : now - _velocity.BaselineLength;
        var hourly = new Dictionary<DateTimeOffset, long>();
        try
        {
            foreach (var keyId in seed.KeyIds().Distinct(StringComparer.Ordinal))
            {
                await foreach (var rollup in seed.Rollups.ReadKeyHoursAsync(keyId, since, now, CancellationToken.None))
                {
                    hourly[rollup.Hour] = hourly.GetValueOrDefault(rollup.Hour) + rollup.CostMicros;
                }
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or IOException or TimeoutException or TaskCanceledException)
        {
            LogVelocityNotSeeded(_logger, _scope, _id, ex.Message);
            return;
        }

        _velocity.Seed(hourly, since, now);

        // The rows that set the read off were checked without the normal; now with it.
        var s = State;
        _alerts.CheckVelocity(_velocity, s.Controls, _scope, _id, s.CapMicros, s.SpentMicros, s.Period, AlertUser(), AlertTeam());
    }

    /// <summary>
    /// Sweeps the budget on the grain's timer, once per activation: from activation for a budget that
    /// existed, from creation for a new one (which has nothing to restore, but holds to sweep from its
    /// first request on).
    /// </summary>
    public void StartSweeping(IGrainBase grain) =>
        _sweepTimer ??= grain.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions { DueTime = _options.SweepInterval, Period = _options.SweepInterval, Interleave = true });

    /// <summary>Writes the state with the budget as it is now (the checkpoint activation replays the ledger from).</summary>
    public async Task CheckpointAsync()
    {
        _appliedSinceCheckpoint = 0;
        await _writer.WriteAsync();
    }

    /// <summary>At deactivation: a last checkpoint if anything was counted since the previous one.</summary>
    public Task FlushAsync() => _appliedSinceCheckpoint > 0 ? CheckpointAsync() : Task.CompletedTask;

    /// <summary>Rows committed to a key's ledger: counted, reservations released, thresholds checked, checkpointed now and then.</summary>
    public async Task SettledAsync(string keyId, IReadOnlyList<LedgerEntry> entries)
    {
        await ApplyAsync(keyId, entries, CancellationToken.None);
        if (_appliedSinceCheckpoint >= _options.CheckpointEvery)
        {
            _ = CheckpointInBackgroundAsync();
        }
    }

    /// <summary>The grain timer's work: <see cref="SweepAsync(TimeSpan, CancellationToken)"/>, then a checkpoint if anything changed.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var dropped = await SweepAsync(_options.OrphanHoldAge, cancellationToken);
        if (dropped > 0)
        {
            LogOrphansDropped(_logger, _scope, _id, dropped);
        }

        if (_appliedSinceCheckpoint > 0)
        {
            _ = CheckpointInBackgroundAsync();
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
            // Only replay at the next activation grows; the ledger holds every row.
            LogCheckpointFailed(_logger, _scope, _id, ex.Message);
        }
    }

    /// <summary>
    /// Starts counting a key's rows after <paramref name="afterSequence"/> (0: from its first row);
    /// false when the key is counted already.
    /// </summary>
    public bool Track(string keyId, long afterSequence = 0) => State.Applied.TryAdd(keyId, afterSequence);

    /// <summary>
    /// Checks the request against the cap and the rate limits and holds its reservation, in this
    /// turn; null when held, else the refusal.
    /// </summary>
    public BudgetHoldResult? TryHold(BudgetHold hold, string? teamId) => TryHold(hold, teamId, out _);

    /// <summary>As <see cref="TryHold(BudgetHold, string?)"/>, and the rate windows after the hold (null when there are no rate limits).</summary>
    public BudgetHoldResult? TryHold(BudgetHold hold, string? teamId, out RateUsage? rate)
    {
        var s = State;
        var now = _time.GetUtcNow();
        rate = null;
        Roll(now);
        if (_holds.ContainsKey(hold.RequestId))
        {
            return null;
        }

        // A ceiling first: retrying will not help a request that is too large, so it is told so rather than to wait.
        if (RequestCeiling.Refusal(s.Controls, hold, IsKey ? "the key" : $"{_scope} '{_id}'") is { } tooLarge)
        {
            return new BudgetHoldResult(DenialReason.RequestTooLarge, tooLarge, null);
        }

        // A key tells a caller to wait before telling it its request is too large; users and teams the other way round.
        var wait = _rate.WaitFor(now, s.Rpm, s.Tpm, hold.RateTokens);
        if (s.Tpm is { } tpm && hold.RateTokens > tpm && !(IsKey && wait > TimeSpan.Zero))
        {
            return new BudgetHoldResult(DenialReason.RateLimited, IsKey
                ? $"This request may use {hold.RateTokens} tokens, more than the key's limit of {tpm} tokens per minute; lower max_tokens."
                : $"This request may use {hold.RateTokens} tokens, more than {_scope} '{_id}' may use in a minute ({tpm}); lower max_tokens.", null);
        }

        if (wait > TimeSpan.Zero)
        {
            // A key's message leaves out the wait: the key audits it as it is, and adds the wait to its answer.
            var limit = s.Rpm is { } rpm && _rate.Requests >= rpm ? $"{rpm} requests per minute" : $"{s.Tpm} tokens per minute";
            return new BudgetHoldResult(DenialReason.RateLimited, IsKey
                ? $"Rate limit reached: this key allows {limit}."
                : $"Rate limit reached: {_scope} '{_id}' allows {limit}. Try again in {Math.Ceiling(wait.TotalSeconds)} s.", null, wait);
        }

        if (s.CapMicros is { } cap && s.SpentMicros + _reserved + hold.ReserveMicros > cap)
        {
            var remaining = Math.Max(0, cap - s.SpentMicros - _reserved);
            // With nothing in flight the refusal is final for this period: the cap is as good as reached
            // (what is left is less than a request costs), and the alerts up to 100% say so.
            if (_reserved == 0 && _alerts.Refused(s.Alerts, _scope, _id, PeriodStartOrNull, s.Period, cap, s.SpentMicros, AlertUser(), AlertTeam()))
            {
                _appliedSinceCheckpoint++;
            }

            var holder = IsKey ? "the key" : $"{_scope} '{_id}'";
            return new BudgetHoldResult(DenialReason.OverBudget,
                $"You exceeded your current quota: this request may cost up to ${Money.ToUsd(hold.ReserveMicros)} and {holder} has ${Money.ToUsd(remaining)} left of its ${Money.ToUsd(cap)} {(IsKey ? "" : PeriodWord(s.Period))}cap.", null);
        }

        _holds[hold.RequestId] = new Hold(hold.KeyId, hold.ReserveMicros, teamId, hold.StartedAt);
        _reserved += hold.ReserveMicros;
        _rate.Add(hold.RequestId, now, hold.RateTokens);
        if (s.Rpm is not null || s.Tpm is not null)
        {
            rate = new RateUsage(s.Rpm, s.Tpm, _rate.Requests, _rate.Tokens);
        }

        return null;
    }

    /// <summary>
    /// A held request's settlement has arrived: its hold becomes what it actually costs, until the
    /// row is durable and counted. Spend plus holds then equals what the period will have cost once
    /// everything in flight settles, never less. A request this budget does not hold is left alone.
    /// </summary>
    public void Resize(string requestId, long costMicros)
    {
        if (_holds.TryGetValue(requestId, out var hold) && hold.Amount != costMicros)
        {
            _reserved += costMicros - hold.Amount;
            _holds[requestId] = hold with { Amount = costMicros };
        }
    }

    /// <summary>The settlements a key has seen since its last reservation here (see <see cref="BudgetHold.Settling"/>).</summary>
    public void Resize(IReadOnlyList<SettlingCost>? settling)
    {
        if (settling is null)
        {
            return;
        }

        foreach (var s in settling)
        {
            Resize(s.RequestId, s.CostMicros);
        }
    }

    /// <summary>Records which team holds a request's reservation as well, once the team has said yes.</summary>
    public void SetTeam(string requestId, string? teamId)
    {
        if (_holds.TryGetValue(requestId, out var hold))
        {
            _holds[requestId] = hold with { TeamId = teamId };
        }
    }

    /// <summary>Drops a reservation whose request never went out; it leaves the rate window too.</summary>
    public string? Release(string requestId)
    {
        _rate.Remove(requestId);
        return Unhold(requestId)?.TeamId;
    }

    /// <summary>
    /// A request settled by an earlier activation of its key, whose row this budget has counted or
    /// will not count: its reservation falls, and its rate-window slot stays (it did go out).
    /// </summary>
    public void Forget(string requestId) => Unhold(requestId);

    /// <summary>Refills the rate windows after a reactivation (see <see cref="RateWindow.LastMinuteAsync"/>).</summary>
    public void RestoreRate(IEnumerable<(string RequestId, DateTimeOffset At, long Tokens)> requests) => _rate.Restore(requests);

    /// <summary>
    /// A key's own row, just committed or replayed at activation, counted without looking for gaps:
    /// the key's chain hands its rows over in sequence order, once each.
    /// </summary>
    public void CountOwn(string keyId, LedgerEntry entry)
    {
        State.Applied[keyId] = entry.Sequence;
        Count(entry);
    }

    /// <summary>Re-holds an intent still open in a journal (at activation, or when a sweep finds one).</summary>
    public void Rehold(IntentEntry intent, string? teamId)
    {
        if (_holds.ContainsKey(intent.RequestId))
        {
            return;
        }

        _holds[intent.RequestId] = new Hold(intent.KeyId, intent.ReservedMicros, teamId, intent.StartedAt);
        _reserved += intent.ReservedMicros;
    }

    /// <summary>
    /// Applies a key's rows in sequence order, skipping those already counted, and fills a gap from the
    /// key's ledger before going on.
    /// </summary>
    public async Task ApplyAsync(string keyId, IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        var next = ApplyInOrder(keyId, entries);
        if (next < entries.Count)
        {
            await FillAsync(keyId, cancellationToken);
            ApplyInOrder(keyId, entries.Skip(next).ToList());
        }

        // Whatever happened above, these requests are settled: none of them holds a reservation any more.
        foreach (var entry in entries)
        {
            Unhold(entry.RequestId);
        }

        CheckThresholds();
    }

    /// <summary>Alerts once per period for each threshold of the cap that spend has reached, and once per episode for spend that rose too fast.</summary>
    public void CheckThresholds()
    {
        var s = State;
        if (_velocitySeed is { } seed)
        {
            _velocitySeed = null;
            _ = SeedVelocityAsync(seed);
        }

        if (_velocity is not null)
        {
            _alerts.CheckVelocity(_velocity, s.Controls, _scope, _id, s.CapMicros, s.SpentMicros, s.Period, AlertUser(), AlertTeam());
        }

        if (s.CapMicros is not { } cap)
        {
            return;
        }

        if (_alerts.Observe(s.Alerts, _scope, _id, PeriodStartOrNull, s.Period, cap, s.SpentMicros, AlertUser(), AlertTeam()))
        {
            _appliedSinceCheckpoint++;
        }
    }

    /// <summary>Reads and applies the rows of a key written after the last one this account counted.</summary>
    public Task<IReadOnlyList<string>> FillAsync(string keyId, CancellationToken cancellationToken) =>
        FillAsync(keyId, _ledger.ReadAfterAsync(keyId, State.Applied.GetValueOrDefault(keyId), cancellationToken));

    /// <summary>
    /// As <see cref="FillAsync(string, CancellationToken)"/>, and the key's open intents too, from the same read of its journal
    /// range (a user's restore and sweep need both: one journal read a key instead of two).
    /// </summary>
    private async Task<(IReadOnlyList<string> Settled, IReadOnlyList<IntentEntry> Intents)> FillAndFindIntentsAsync(string keyId, CancellationToken cancellationToken)
    {
        var (intents, pending) = await _journal.ReadKeyAsync(keyId, cancellationToken);
        return (await FillAsync(keyId, _ledger.ReadAfterAsync(keyId, ReadFrom(keyId, intents), pending, cancellationToken)), intents);
    }

    /// <summary>
    /// Where a key's ledger is read from to count its rows and to tell its open intents from those
    /// beside their request's row (a busy key's commit goes straight into the ledger, and its intents
    /// are retired a few seconds later, possibly after this account counted the row): the last row
    /// counted, or the chain's head the oldest of the key's intents noted, whichever is first, but no
    /// more than <see cref="Keys.ChainRecovery.BesideLookback"/> rows before the last counted (an older
    /// head is a request long in flight). An intent left beside its row by a crash further back than
    /// that is held until the key's next activation retires it and the budget's sweep drops the hold.
    /// </summary>
    private long ReadFrom(string keyId, IEnumerable<IntentEntry> intents) =>
        Keys.ChainRecovery.ReadFrom(State.Applied.GetValueOrDefault(keyId), 0, intents.Where(i => i.KeyId == keyId));

    /// <summary>Applies a key's rows as storage gives them; returns their request ids, none of which holds a reservation any more.</summary>
    private async Task<IReadOnlyList<string>> FillAsync(string keyId, IAsyncEnumerable<AuditRecord> read)
    {
        var rows = new List<LedgerEntry>();
        await foreach (var row in read)
        {
            rows.Add(ToEntry(row));
        }

        // Other calls may have applied some of these while the ledger was read; order and sequence decide.
        ApplyInOrder(keyId, rows);
        foreach (var row in rows)
        {
            Unhold(row.RequestId);
        }

        return rows.Select(r => r.RequestId).ToList();
    }

    private List<string> KeysWithHoldsStartedBefore(DateTimeOffset olderThan) =>
        _holds.Values.Where(h => h.StartedAt < olderThan).Select(h => h.KeyId).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Drops holds of <paramref name="keyId"/> started before <paramref name="olderThan"/> that have
    /// neither a ledger row nor an open intent: their request never went out.
    /// </summary>
    private int DropOrphans(string keyId, DateTimeOffset olderThan, IReadOnlySet<string> openIntents)
    {
        var orphans = _holds.Where(h => h.Value.KeyId == keyId && h.Value.StartedAt < olderThan && !openIntents.Contains(h.Key)).Select(h => h.Key).ToList();
        foreach (var requestId in orphans)
        {
            Release(requestId);
        }

        return orphans.Count;
    }

    /// <summary>
    /// At activation: counts the rows written since the checkpoint, then re-holds the reservations
    /// of requests still open in the journal (those not settled by the rows just read): for a user,
    /// the journal partitions of its keys; for a team, every journal partition.
    /// </summary>
    private async Task RestoreAsync(IEnumerable<string> keyIds, CancellationToken cancellationToken)
    {
        var settled = new HashSet<string>(StringComparer.Ordinal);
        var keys = keyIds.Concat(State.Applied.Keys).Distinct(StringComparer.Ordinal).ToList();

        // A team counts every key its members ever spent with, a user all of its keys: hundreds at an
        // organisation's scale, each its journal range and ledger partition. Read a few at a time, not
        // one after another (each key's rows are applied in one synchronous step, on the grain's turn).
        // A user's open intents come from the same read of each key's journal range; a team's from
        // every shard, since a request in flight may be on a key it has counted nothing of yet.
        var intents = new List<IntentEntry>();
        if (IsTeam)
        {
            intents.AddRange(await _journal.FindByTeamAsync(_id, cancellationToken));
        }

        async Task<(IReadOnlyList<string> Settled, IReadOnlyList<IntentEntry> Intents)> ReadKeyAsync(string keyId) =>
            IsTeam ? (await FillAsync(keyId, _ledger.ReadAfterAsync(keyId, ReadFrom(keyId, intents), cancellationToken)), []) : await FillAndFindIntentsAsync(keyId, cancellationToken);

        foreach (var batch in keys.Chunk(KeysReadAtOnce))
        {
            foreach (var (requestIds, keyIntents) in await Task.WhenAll(batch.Select(ReadKeyAsync)))
            {
                settled.UnionWith(requestIds);
                intents.AddRange(keyIntents.Where(i => i.UserId == _id));
            }
        }

        var open = intents.Where(i => !settled.Contains(i.RequestId)).ToList();
        foreach (var intent in open)
        {
            Rehold(intent, IsTeam ? _id : intent.TeamId);
        }

        if (State.Rpm is not null || State.Tpm is not null)
        {
            // The last minute's requests count against the rate limits as before the reactivation.
            foreach (var batch in keys.Chunk(KeysReadAtOnce))
            {
                foreach (var window in await Task.WhenAll(batch.Select(keyId => RateWindow.LastMinuteAsync(keyId, _ledger, _time, open, row => Counts(ToEntry(row)), cancellationToken))))
                {
                    _rate.Restore(window);
                }
            }
        }

        Roll(_time.GetUtcNow());
    }

    /// <summary>
    /// Looks again at reservations held longer than <paramref name="maxAge"/>: rows the account missed
    /// are read from the ledger, and holds whose request has neither a row nor an open intent (it
    /// never went out, and the release was lost) are dropped.
    /// </summary>
    private async Task<int> SweepAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var olderThan = _time.GetUtcNow() - maxAge;
        var dropped = 0;
        foreach (var keyId in KeysWithHoldsStartedBefore(olderThan))
        {
            var (_, intents) = await FillAndFindIntentsAsync(keyId, cancellationToken);
            dropped += DropOrphans(keyId, olderThan, intents.Select(i => i.RequestId).ToHashSet(StringComparer.Ordinal));
        }

        return dropped;
    }

    /// <summary>The budget's spend controls as they are now (ceilings, concurrency, velocity); null when none are set.</summary>
    public SpendControls? Controls => State.Controls;

    public string? TeamOf(string requestId) => _holds.TryGetValue(requestId, out var hold) ? hold.TeamId : null;

    /// <summary>Requests and tokens in the rate windows that end now, against the limits.</summary>
    public RateUsage RateNow()
    {
        var (requests, tokens) = _rate.Usage(_time.GetUtcNow());
        return new RateUsage(State.Rpm, State.Tpm, requests, tokens);
    }

    public BudgetSnapshot Snapshot()
    {
        var s = State;
        var now = _time.GetUtcNow();
        Roll(now);
        var (requests, tokens) = _rate.Usage(now);
        return new BudgetSnapshot(s.Limits, s.SpentMicros, _reserved, _holds.Count, s.PeriodRequests,
            s.Period == BudgetPeriod.None ? null : s.PeriodStart, BudgetPeriods.NextAfter(s.Period, s.PeriodStart), [.. s.PastPeriods],
            new RateUsage(s.Rpm, s.Tpm, requests, tokens));
    }

    /// <summary>New limits; a new period counts from the start of the period the change falls in.</summary>
    public void Change(BudgetChanges changes)
    {
        var s = State;
        var limits = changes.ApplyTo(s.Limits);
        (s.CapMicros, s.Rpm, s.Tpm, s.Controls) = (limits.CapMicros, limits.Rpm, limits.Tpm, limits.Controls);
        if (limits.Period != s.Period)
        {
            s.Period = limits.Period;
            s.PeriodStart = BudgetPeriods.StartOf(s.Period, _time.GetUtcNow());
        }

        // A lower cap may put spend past a threshold at once.
        CheckThresholds();
    }

    public static LedgerEntry ToEntry(AuditRecord row) =>
        new(row.Sequence, row.RequestId, row.CostMicros, row.InputTokens + row.OutputTokens, row.Outcome == AuditRows.OutcomeName(RequestOutcome.Denied), row.TeamId, row.RecordedAt);

    /// <summary>Applies rows while they follow on from the last one counted; returns the index of the first that doesn't.</summary>
    private int ApplyInOrder(string keyId, IReadOnlyList<LedgerEntry> entries)
    {
        var s = State;
        var applied = s.Applied.GetValueOrDefault(keyId);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Sequence <= applied)
            {
                continue;
            }

            if (entry.Sequence != applied + 1)
            {
                LogGap(_logger, _scope, _id, keyId, applied, entry.Sequence);
                s.Applied[keyId] = applied;
                return i;
            }

            applied = entry.Sequence;
            Count(entry);
        }

        s.Applied[keyId] = applied;
        return entries.Count;
    }

    private void Count(LedgerEntry entry)
    {
        _appliedSinceCheckpoint++;
        _rate.Correct(entry.RequestId, entry.Tokens);
        Unhold(entry.RequestId);
        if (!Counts(entry))
        {
            return;
        }

        var s = State;
        Roll(entry.RecordedAt);
        if (s.Period != BudgetPeriod.None && entry.RecordedAt < s.PeriodStart)
        {
            // Recorded in a period that has already closed here: it belongs to that period's total.
            var index = s.PastPeriods.FindLastIndex(p => p.Start <= entry.RecordedAt && entry.RecordedAt < p.End);
            if (index >= 0)
            {
                var p = s.PastPeriods[index];
                s.PastPeriods[index] = p with { SpentMicros = p.SpentMicros + entry.CostMicros, Requests = p.Requests + (entry.Denied ? 0 : 1) };
            }

            return;
        }

        s.SpentMicros += entry.CostMicros;
        _velocity?.Add(entry.RecordedAt, entry.CostMicros);
        if (!entry.Denied)
        {
            s.PeriodRequests++;
        }
    }

    private Hold? Unhold(string requestId)
    {
        if (!_holds.Remove(requestId, out var hold))
        {
            return null;
        }

        _reserved -= hold.Amount;
        return hold;
    }

    /// <summary>Closes the period when <paramref name="at"/> is past its end; the finished one joins the history.</summary>
    private void Roll(DateTimeOffset at)
    {
        var s = State;
        if (BudgetPeriods.CloseIfEnded(s.Period, s.PeriodStart, at, s.SpentMicros, s.PeriodRequests, s.PastPeriods) is not { } next)
        {
            return;
        }

        s.PeriodStart = next;
        s.SpentMicros = 0;
        s.PeriodRequests = 0;
        _appliedSinceCheckpoint++;
        PeriodClosed?.Invoke();
    }

    private DateTimeOffset? PeriodStartOrNull => State.Period == BudgetPeriod.None ? null : State.PeriodStart;

    private static string PeriodWord(BudgetPeriod period) => period == BudgetPeriod.None ? "" : BudgetPeriods.Name(period) + " ";

    private sealed record Hold(string KeyId, long Amount, string? TeamId, DateTimeOffset StartedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget of {Scope} {Id}: dropped {Count} reservations whose requests never went out")]
    private static partial void LogOrphansDropped(ILogger logger, string scope, string id, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget of {Scope} {Id}: the usage before this activation could not be read ({Reason}); its velocity normal is learned from now")]
    private static partial void LogVelocityNotSeeded(ILogger logger, string scope, string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget of {Scope} {Id}: checkpoint failed ({Reason})")]
    private static partial void LogCheckpointFailed(ILogger logger, string scope, string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget of {Scope} {Id}: rows of key {KeyId} after {Applied} arrived from {Sequence}; reading the gap from the ledger")]
    private static partial void LogGap(ILogger logger, string scope, string id, string keyId, long applied, long sequence);
}
