using Gateway.Core.Keys;
using Gateway.Grains.Budgets;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// Admits a request to the key, or refuses it with a reason: who is asking, the model, its price,
/// the key's budget, the budgets above it, and its intent in the journal, in that order; each
/// refusal audited. A step that fails after the request was held undoes the holds so far and
/// remembers it as not sent. A request its front-end withdrew (it stopped waiting and answered 503)
/// is never accepted, whether its Begin ran before, runs during or arrives after the withdrawal.
/// </summary>
public sealed partial class KeyAdmission(string keyId, Func<KeyState> state, KeyCredentials credentials, BudgetAccount budget, OpenRequests open,
    ConcurrencySlots slots, Settlements settlements, SettlingCosts settling, DenialRecorder denials, Func<IBudgetGrain> userBudget, IntentJournal journal, AuditLedger ledger,
    Func<long> chainSequence, ChainTimeline timeline, KeyGrainOptions options, TimeProvider time, ILogger logger)
{
    private const string WithdrawnMessage = "The gateway could not admit this request in time; it was refused with 503 and not sent.";
    private const string NotRecordedMessage = "The gateway cannot record this request in its audit trail right now, so it was not sent. Try again shortly.";

    private readonly Withdrawals _withdrawals = new(time);

    private string KeyId => keyId;

    private KeyState State => state();

    private string UserId => State.UserId;

    /// <summary>Forgets withdrawals older than any request may live: no Begin of theirs can still arrive.</summary>
    public void ForgetWithdrawals() => _withdrawals.ForgetBefore(time.GetUtcNow() - options.MaxRequestDuration - options.AbandonGrace);

    public async Task<BeginResult?> AdmitAsync(RequestContext context, string secretHash)
    {
        if (!State.Exists)
        {
            return Deny(DenialReason.UnknownKey, "Incorrect API key provided.", null);
        }

        if (credentials.Refusal(secretHash) is not { } refused)
        {
            return null;
        }

        await denials.AuditAsync(context, refused.Denial, refused.Message);
        return Deny(refused.Denial, refused.Message, UserId);
    }

    public async Task<BeginResult> BeginAsync(BeginRequest request)
    {
        var requestId = request.Context.RequestId;
        if (!State.Exists)
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
    /// The front-end stopped waiting for this request's <see cref="BeginAsync"/> and refused it with 503:
    /// whatever is held for it is released and it is recorded as a denial, never charged, whether its
    /// Begin ran already, is running or has yet to arrive.
    /// </summary>
    public async Task WithdrawAsync(RequestContext context)
    {
        var requestId = context.RequestId;
        if (!State.Exists || _withdrawals.Contains(requestId) || settlements.IsSettledOrInFlight(requestId))
        {
            return;
        }

        _withdrawals.Add(requestId);
        if (_withdrawals.IsBeginning(requestId))
        {
            // Its Begin is still at work (waiting on a budget or the journal) and undoes it when it returns.
            return;
        }

        if (!open.Contains(requestId) && !denials.IsNotSent(requestId) && await InLedgerAsync(requestId, timeline.RowsAfter(context.StartedAt)))
        {
            // A repeat after an earlier activation recorded it (or its Begin was refused with a row).
            settlements.MarkSettled(requestId);
            return;
        }

        if (settlements.IsSettledOrInFlight(requestId))
        {
            // Settled while the ledger was read (the sweep found its intent in the journal): that row
            // is the request's one row.
            return;
        }

        // Accepted too late for its front-end (held), or never begun: either way, not sent.
        NotSent(context, DenialReason.StorageUnavailable, WithdrawnMessage);
    }

    /// <summary>Identity, then the model, then its price; then the budgets, which hold it.</summary>
    private async Task<BeginResult> BeginCoreAsync(BeginRequest request)
    {
        var context = request.Context;
        var refused = credentials.Refusal(request.SecretHash)
            ?? (!ModelPattern.IsAllowed(State.Models, context.Model) ? (DenialReason.ModelNotAllowed, $"This key is not allowed to use the model '{context.Model}'.")
            : request.Price is null ? (DenialReason.ModelNotPriced, UnpricedMessage(context.Model))
            : null);
        if (refused is not { } denial)
        {
            return await ReserveAsync(request);
        }

        await denials.AuditAsync(context, denial.Denial, denial.Message);
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
        var hold = new BudgetHold(KeyId, context.RequestId, request.ReserveMicros, (long)request.EstimatedInputTokens + request.OutputTokenCeiling, context.StartedAt,
            InputTokens: request.EstimatedInputTokens);

        // Reserve in this turn, before any await, so concurrent requests see it: the key's ceilings,
        // rate limits and cap, then its concurrency limit.
        var refused = budget.TryHold(hold, null) ?? TakeSlot(context.RequestId);
        if (refused is not null)
        {
            await denials.AuditAsync(context, refused.Denial, refused.Message!);
            var answer = refused.RetryAfter is { } wait ? $"{refused.Message} Try again in {Math.Ceiling(wait.TotalSeconds)} s." : refused.Message;
            return new BeginResult(refused.Denial, answer, null, userId, refused.RetryAfter);
        }

        if (!open.TryAdd(IntentFor(request)))
        {
            return Deny(DenialReason.AuditUnavailable, "Duplicate request id.", userId);
        }

        // Then the budgets above the key, in a fixed order: the user's grain holds it on the user's
        // budget and then on the team's.
        BudgetHoldResult held;
        try
        {
            held = await userBudget().Reserve(hold with { Settling = settling.Take() });
        }
        catch (Exception ex)
        {
            // The hold above may have landed: released, and the refusal recorded like any not sent.
            LogBudgetUnavailable(logger, KeyId, context.RequestId, ex);
            const string budgetMessage = "The gateway cannot check this request against your user's budget right now, so it was not sent.";
            NotSent(context, DenialReason.AuditUnavailable, budgetMessage);
            return new BeginResult(DenialReason.AuditUnavailable, budgetMessage, null, userId, options.StorageRetryAfter);
        }

        if (!held.Accepted)
        {
            Refuse(context.RequestId);
            await denials.AuditAsync(context, held.Denial, held.Message!);
            return new BeginResult(held.Denial, held.Message, null, userId, held.RetryAfter);
        }

        open.SetTeam(context.RequestId, held.TeamId);
        try
        {
            // Bounded: a stalled store must give the caller a fast 503, not Orleans' 30-second call timeout.
            await journal.RecordAsync(open.Find(context.RequestId) ?? IntentFor(request) with { TeamId = held.TeamId }).WaitAsync(options.IntentWriteTimeout);
        }
        catch (Exception ex)
        {
            LogIntentFailed(logger, KeyId, context.RequestId, ex);

            // The write may still land; the request was not sent, so it is remembered as not sent
            // until its denial row is in the ledger, and never charged.
            NotSent(context, DenialReason.StorageUnavailable, "The intent could not be recorded in time; the request was refused with 503 and not sent.");
            return new BeginResult(DenialReason.StorageUnavailable, NotRecordedMessage, null, userId, options.StorageRetryAfter);
        }

        if (State.Status == KeyStatus.Revoked)
        {
            // Revoked while this request waited on the budgets or the journal: once a revoke has
            // returned nothing may be accepted, and nothing has gone upstream yet, so undo it all.
            // Its denial row is written on its own (never folded into a counted one), replacing the intent.
            Refuse(context.RequestId);
            _ = ReleaseAboveAsync(context.RequestId);
            await denials.AppendAsync(context, context.StartedAt, DenialReason.Revoked, "This API key has been revoked.", 1);
            return Deny(DenialReason.Revoked, "This API key has been revoked.", userId);
        }

        return new BeginResult(DenialReason.None, null, new Reservation(context.RequestId, request.ReserveMicros, journal.PartitionFor(KeyId), context.StartedAt), userId,
            CaptureContent: State.Capture is not null, Rate: RateUsage.Tightest(budget.RateNow(), held.Rate));
    }

    /// <summary>
    /// A slot among the key's <c>maxConcurrent</c> requests in flight, taken after the key's budget held
    /// the request (so the hold is given back when none is free); null when taken, else the refusal.
    /// </summary>
    private BudgetHoldResult? TakeSlot(string requestId)
    {
        var limit = budget.Controls?.MaxConcurrent;
        if (slots.TryTake(requestId, limit))
        {
            return null;
        }

        budget.Release(requestId);
        return new BudgetHoldResult(DenialReason.ConcurrencyLimited,
            $"Concurrency limit reached: this key allows {limit} requests in flight at once (maxConcurrent), and {slots.InFlight} are.", null, options.ConcurrencyRetryAfter);
    }

    /// <summary>
    /// A request refused with 503 after it was (or may have been) held: its reservation, rate slot and
    /// the holds above are released, and it is remembered until its denial row is in the ledger.
    /// </summary>
    private void NotSent(RequestContext context, DenialReason reason, string message)
    {
        Refuse(context.RequestId);
        _ = ReleaseAboveAsync(context.RequestId);
        denials.NotSent(context, reason, message);
    }

    /// <summary>
    /// Undoes an acceptance that did not go through (a budget above refused it, the journal could not
    /// record it, the key was revoked meanwhile): nothing went upstream, so neither the reservation
    /// nor the rate-window slot stays taken.
    /// </summary>
    private void Refuse(string requestId)
    {
        budget.Release(requestId);
        slots.Release(requestId);
        open.Remove(requestId);
    }

    private async Task ReleaseAboveAsync(string requestId)
    {
        try
        {
            await userBudget().Release(KeyId, requestId);
        }
        catch (Exception ex)
        {
            // The user's budget drops holds that have neither a row nor an intent after a while.
            LogReleaseFailed(logger, KeyId, requestId, ex);
        }
    }

    /// <summary>Whether the ledger holds a row for the request (after a sequence, when one is known); when it cannot be read, taken as not (at worst a second zero-cost row).</summary>
    private async Task<bool> InLedgerAsync(string requestId, long afterSequence)
    {
        try
        {
            return await ledger.ContainsRequestAsync(KeyId, requestId, afterSequence, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogLedgerReadFailed(logger, KeyId, requestId, ex);
            return false;
        }
    }

    private IntentEntry IntentFor(BeginRequest request)
    {
        var (context, price) = (request.Context, request.Price!);
        return new IntentEntry
        {
            Partition = journal.PartitionFor(KeyId),
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
            PriceCacheWrite5mMicrosPerMTok = price.CacheWrite5mMicrosPerMTok,
            PriceCacheWrite1hMicrosPerMTok = price.CacheWrite1hMicrosPerMTok,
            FrontendInstance = context.FrontendInstance,
            Region = context.Region,
            ClientAddress = context.ClientAddress,
            StartedAt = context.StartedAt,
            ChainSequence = chainSequence(),
        };
    }

    private BeginResult Withdrawn() => new(DenialReason.StorageUnavailable, NotRecordedMessage, null, UserId, options.StorageRetryAfter);

    private static BeginResult Deny(DenialReason reason, string message, string? userId) => new(reason, message, null, userId);

    /// <summary>What a caller is told about a model with no price: whom to ask, and the exact command that admin runs.</summary>
    private static string UnpricedMessage(string model) =>
        $"The model '{model}' has no price on this gateway, so its cost cannot be controlled and it is refused. "
        + $"Ask a gateway admin to price it: gatewayctl prices set {model} --input <USD per 1M input tokens> --output <USD per 1M output tokens>.";
}
