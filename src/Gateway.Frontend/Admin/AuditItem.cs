using Gateway.Core;
using Gateway.Storage.Audit;

namespace Gateway.Frontend.Admin;

/// <summary>
/// One audited request as the audit query shows it; money as micro-dollars and a USD string.
/// <see cref="TeamId"/> is the team whose budget held the request (null for refusals and rows from before team budgets).
/// <see cref="Upstream"/> and <see cref="Attempts"/> say which configured upstream answered and how many deployments were tried.
/// <see cref="InputTokens"/> is every prompt token; <see cref="CachedInputTokens"/> (cache reads),
/// <see cref="CacheWrite5mTokens"/> and <see cref="CacheWrite1hTokens"/> are parts of it, each charged at its own price.
/// <see cref="OutputTokens"/> includes <see cref="ReasoningTokens"/>.
/// </summary>
public sealed record AuditItem(
    string KeyId,
    long Sequence,
    string RequestId,
    string UserId,
    string Model,
    string Provider,
    string Endpoint,
    bool Streaming,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    bool UsageReported,
    long ReservedMicros,
    long CostMicros,
    string CostUsd,
    long PriceInputMicrosPerMTok,
    long PriceOutputMicrosPerMTok,
    int HttpStatus,
    string Outcome,
    string? Denial,
    string? Error,
    long LatencyMs,
    string FrontendInstance,
    string Region,
    string? ClientAddress,
    DateTimeOffset StartedAt,
    DateTimeOffset RecordedAt,
    long Count,
    long OverReservationMicros,
    string? TeamId,
    long PriceCachedMicrosPerMTok,
    long CacheWrite5mTokens,
    long CacheWrite1hTokens,
    long ReasoningTokens,
    long PriceCacheWrite5mMicrosPerMTok,
    long PriceCacheWrite1hMicrosPerMTok,
    string? Upstream,
    int Attempts)
{
    public static AuditItem From(AuditRecord r) => new(r.KeyId, r.Sequence, r.RequestId, r.UserId, r.Model, r.Provider, r.Endpoint, r.Streaming,
        r.InputTokens, r.OutputTokens, r.CachedInputTokens, r.UsageReported, r.ReservedMicros, r.CostMicros, Money.ToUsd(r.CostMicros),
        r.PriceInputMicrosPerMTok, r.PriceOutputMicrosPerMTok, r.HttpStatus, r.Outcome, r.Denial, r.Error, r.LatencyMs,
        r.FrontendInstance, r.Region, r.ClientAddress, r.StartedAt, r.RecordedAt, r.Count, r.OverReservationMicros,
        r.TeamId, r.PriceCachedMicrosPerMTok, r.CacheWrite5mTokens, r.CacheWrite1hTokens, r.ReasoningTokens,
        r.PriceCacheWrite5mMicrosPerMTok, r.PriceCacheWrite1hMicrosPerMTok, r.Upstream, r.Attempts);
}
