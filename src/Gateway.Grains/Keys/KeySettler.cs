using Gateway.Grains.Budgets;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// Settles the key's requests, each once: those its front-end reports on, priced from what their
/// intent says, and those whose front-end is gone, as unknown at their reservation. Intents found in
/// the journal (at activation, by the sweep, for a settle this activation did not begin) are held
/// here until then.
/// </summary>
public sealed partial class KeySettler(string keyId, Func<KeyState> state, BudgetAccount budget, OpenRequests open, ConcurrencySlots slots, Settlements settlements, SettlingCosts settling,
    DenialRecorder denials, LedgerChain chain, Func<long> spent, IntentJournal journal, AuditLedger ledger, LedgerCopier copier, KeyMetrics metrics, ChainTimeline timeline,
    KeyGrainOptions options, TimeProvider time, ILogger logger)
{

    private string KeyId => keyId;

    private string UserId => state().UserId;

    /// <summary>Holds the intents found in the journal (recorded by other activations too, say on a silo that died), then settles the expired ones.</summary>
    public async Task<int> SettleAbandonedAsync(IReadOnlyList<IntentEntry> found)
    {
        HoldFound(found);
        return await SettleExpiredAsync();
    }

    /// <summary>
    /// Settles a request once, however often and by whomever it is called: a repeat while the first
    /// settlement is in flight gets that settlement's result (marked already settled), a call after
    /// it gets <see cref="SettleResult.AlreadySettled"/> and charges nothing.
    /// </summary>
    public Task<SettleResult> SettleAsync(SettleRequest request)
    {
        // The request is over as far as the key's concurrency goes the moment its settlement arrives.
        slots.Release(request.RequestId);
        return settlements.IsSettled(request.RequestId)
            ? Task.FromResult(AlreadySettled())
            : settlements.SettleOnceAsync(request.RequestId, () => SettleOnceAsync(request));
    }

    private async Task<SettleResult> SettleOnceAsync(SettleRequest request)
    {
        var requestId = request.RequestId;
        var journaled = true;
        if (open.Find(requestId) is not { } intent)
        {
            // Settled already (a repeat the key no longer remembers), or reserved by an activation we know
            // nothing of, whose intent is in the journal. Its intent is not at hand to say where on the
            // chain its row could be; its id says when it began, and the key's marks where the chain's
            // head stood before then: its row is after that head (anywhere when it began before them all).
            if (await ledger.ContainsRequestAsync(KeyId, requestId, timeline.RowsAfter(requestId), CancellationToken.None))
            {
                settlements.MarkSettled(requestId);
                return AlreadySettled();
            }

            (intent, journaled) = await FindIntentAsync(requestId);
        }

        var usage = request.Usage;
        var cost = request.Outcome == RequestOutcome.Unknown
            ? intent.ReservedMicros
            : intent.Price.Cost(usage);
        if (cost == 0 && usage.InputTokens + usage.OutputTokens > 0)
        {
            LogZeroCost(logger, KeyId, requestId, intent.Model);
            metrics.ZeroCost(intent.Model);
        }

        // Usage is charged as the provider reported it, even past the reservation; the row says so.
        if (cost > intent.ReservedMicros)
        {
            LogOverReservation(logger, KeyId, requestId, intent.Model, cost, intent.ReservedMicros);
            metrics.OverReservation(intent.Model, cost - intent.ReservedMicros);
        }

        // From now on the request holds what it costs, here at once and above with the next reservation:
        // a request that follows this settlement is judged on it, before the row is durable.
        budget.Resize(requestId, cost);
        settling.Add(requestId, cost);

        // The row replaces the intent in the journal, and the copier moves it into the ledger and retires
        // it; or, in a busy key's commit, the row goes into the ledger and the copier retires the intent.
        var committed = await chain.AppendAsync(AuditRows.Settled(intent, request, cost, time.GetUtcNow()),
            replacesIntent: journaled && intent.Partition == journal.PartitionFor(KeyId));
        if (intent.Partition != journal.PartitionFor(KeyId))
        {
            // Its intent was written under another shard count (a change draining): the row went to the key's partition, so the intent is retired where it is.
            _ = RetireIntentAsync(intent);
        }

        GrainMetrics.Settled(intent.TeamId, intent.Model, cost);
        return new SettleResult(cost, spent(), committed.Sequence, AlreadySettled: false);
    }

    /// <summary>
    /// The intent of a request this activation does not hold, read from the key's journal shard and
    /// held. Not there either (it cannot be, unless the journal lost it): the request did reach an
    /// upstream, so it is still recorded, with what its settlement says and nothing to price it by
    /// (and no intent in the journal: false).
    /// </summary>
    private async Task<(IntentEntry Intent, bool Journaled)> FindIntentAsync(string requestId)
    {
        HoldFound(await journal.FindByKeyAsync(KeyId, CancellationToken.None));
        if (open.Find(requestId) is { } intent)
        {
            return (intent, true);
        }

        LogSettledWithoutIntent(logger, KeyId, requestId);
        return (new IntentEntry
        {
            Partition = journal.PartitionFor(KeyId), RequestId = requestId, KeyId = KeyId, UserId = UserId,
            Model = "", Provider = "", Endpoint = "", FrontendInstance = "", Region = "", StartedAt = time.GetUtcNow(),
        }, false);
    }

    /// <summary>
    /// Settles as unknown, at their reservation, the requests whose front-end stopped renewing their
    /// lease or that outlived any request's longest life. A request whose settlement is in flight is
    /// not abandoned: its settler is about to finish it.
    /// </summary>
    public async Task<int> SettleExpiredAsync()
    {
        var now = time.GetUtcNow();
        var expired = open.Expired(now - options.MaxRequestDuration - options.AbandonGrace, now - options.LeaseTimeout - options.AbandonGrace)
            .Where(i => !settlements.IsSettledOrInFlight(i.RequestId))
            .ToList();
        var settled = 0;
        foreach (var i in expired)
        {
            // After the chain's head its intent noted; an intent from before that was noted, after the key's last mark before it began.
            var inLedger = await ledger.ContainsRequestAsync(KeyId, i.RequestId, i.ChainSequence >= 0 ? i.ChainSequence : timeline.RowsAfter(i.StartedAt), CancellationToken.None);
            if (settlements.IsSettledOrInFlight(i.RequestId) || !open.Contains(i.RequestId))
            {
                // A late settlement from the front-end arrived while the ledger was read (it wins), or
                // the front-end withdrew the request meanwhile: its denial row stands for it, and an
                // unknown row beside it would record, and charge, one request twice.
                continue;
            }

            settled++;
            if (inLedger)
            {
                // Settled by an earlier activation whose retirement of the intent was lost: retire it now.
                budget.Forget(i.RequestId);
                slots.Release(i.RequestId);
                open.Remove(i.RequestId);
                settlements.MarkSettled(i.RequestId);
                _ = RetireIntentAsync(i);
                continue;
            }

            LogAbandoned(logger, KeyId, i.RequestId, i.ReservedMicros);
            await SettleAsync(new SettleRequest(i.RequestId, new UsageReport(i.EstimatedInputTokens, i.OutputTokenCeiling, 0, false),
                RequestOutcome.Unknown, 0, 0, "Found unsettled after its deadline; charged at the reserved amount."));
        }

        return settled;
    }

    /// <summary>
    /// Intents found in the journal: retired when their request is settled already (unless its row,
    /// written straight into the ledger, waits in the copier, which retires the intent once the row's
    /// rollups are applied), else held (unless refused as not sent).
    /// </summary>
    public void HoldFound(IEnumerable<IntentEntry> intents)
    {
        foreach (var intent in intents)
        {
            if (settlements.IsSettled(intent.RequestId))
            {
                if (!copier.HoldsInLedger(KeyId, intent.RequestId))
                {
                    _ = RetireIntentAsync(intent);
                }
            }
            else if (!denials.IsNotSent(intent.RequestId) && open.TryAdd(intent))
            {
                budget.Rehold(intent, intent.TeamId);
                slots.Hold(intent.RequestId);
            }
        }
    }

    /// <summary>Retires an intent whose request is settled already: that version of the row only.</summary>
    private async Task RetireIntentAsync(IntentEntry intent)
    {
        try
        {
            await journal.RetireIntentAsync(intent);
        }
        catch (Exception ex)
        {
            // The sweeper finds a retired-but-still-present intent and retires it again.
            LogRetireFailed(logger, KeyId, intent.RequestId, ex);
        }
    }

    private SettleResult AlreadySettled() => new(0, spent(), chain.Sequence, AlreadySettled: true);
}
