using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Storage.Journal;

namespace Gateway.Grains.Keys;

/// <summary>The rows a key writes to its ledger, before the chain seals them: a settlement's and a denial's.</summary>
public static class AuditRows
{
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

    /// <summary>
    /// A settled request's row. Everything but how it ended comes from its intent, which the grain
    /// held since Begin or read back from the journal, so any activation writes the same row.
    /// </summary>
    public static AuditRecord Settled(IntentEntry intent, SettleRequest request, long costMicros, DateTimeOffset recordedAt) => new()
    {
        KeyId = intent.KeyId,
        Sequence = 0,
        PreviousHash = "",
        RequestId = intent.RequestId,

        // It replaces its intent, under whichever row key that was written with.
        JournalRowKey = intent.RowKey,
        UserId = intent.UserId,
        TeamId = intent.TeamId,
        Model = intent.Model,
        Provider = intent.Provider,
        Endpoint = intent.Endpoint,
        Streaming = intent.Streaming,
        InputTokens = request.Usage.InputTokens,
        OutputTokens = request.Usage.OutputTokens,
        CachedInputTokens = request.Usage.CachedInputTokens,
        CacheWrite5mTokens = request.Usage.CacheWrite5mTokens,
        CacheWrite1hTokens = request.Usage.CacheWrite1hTokens,
        ReasoningTokens = request.Usage.ReasoningTokens,
        UsageReported = request.Usage.ReportedByProvider,
        ReservedMicros = intent.ReservedMicros,
        CostMicros = costMicros,
        OverReservationMicros = Math.Max(0, costMicros - intent.ReservedMicros),
        PriceInputMicrosPerMTok = intent.PriceInputMicrosPerMTok,
        PriceOutputMicrosPerMTok = intent.PriceOutputMicrosPerMTok,
        PriceCachedMicrosPerMTok = intent.PriceCachedMicrosPerMTok,
        PriceCacheWrite5mMicrosPerMTok = intent.PriceCacheWrite5mMicrosPerMTok,
        PriceCacheWrite1hMicrosPerMTok = intent.PriceCacheWrite1hMicrosPerMTok,
        HttpStatus = request.HttpStatus,
        Outcome = OutcomeName(request.Outcome),
        Error = Bounded(request.Error),
        LatencyMs = request.LatencyMs,
        Upstream = request.Upstream,
        Attempts = request.Attempts,
        FrontendInstance = intent.FrontendInstance,
        Region = intent.Region,
        ClientAddress = intent.ClientAddress,
        StartedAt = intent.StartedAt,
        RecordedAt = recordedAt,
    };

    /// <summary>A refused request's row (or, with <paramref name="count"/> above one, a window of repeats): it charges nothing.</summary>
    public static AuditRecord Denial(string keyId, string userId, RequestContext context, DateTimeOffset startedAt, DenialReason denial, string message, long count,
        DateTimeOffset recordedAt) => new()
    {
        KeyId = keyId,
        Sequence = 0,
        PreviousHash = "",
        RequestId = context.RequestId,
        UserId = userId,
        Model = context.Model,
        Provider = context.Provider,
        Endpoint = context.Endpoint,
        Streaming = context.Streaming,
        HttpStatus = DenialStatus(denial),
        Outcome = OutcomeName(RequestOutcome.Denied),
        Denial = denial.ToString(),
        Error = Bounded(message),
        FrontendInstance = context.FrontendInstance,
        Region = context.Region,
        ClientAddress = context.ClientAddress,
        StartedAt = startedAt,
        RecordedAt = recordedAt,
        Count = count,
    };

    /// <summary>The most of an error's text a row keeps (a provider's error event can be any size).</summary>
    public const int MaxErrorChars = 4_000;

    /// <summary>An error's text, cut to <see cref="MaxErrorChars"/> and marked so (<see cref="TableText.Cut"/>).</summary>
    public static string? Bounded(string? error) => TableText.Cut(error, MaxErrorChars);

    private static int DenialStatus(DenialReason reason) => reason switch
    {
        DenialReason.UnknownKey or DenialReason.Revoked or DenialReason.Expired => 401,
        DenialReason.ModelNotAllowed => 403,
        DenialReason.ModelNotPriced => 404,
        DenialReason.OverBudget or DenialReason.RateLimited => 429,
        DenialReason.StorageUnavailable => 503,
        _ => 503,
    };
}
