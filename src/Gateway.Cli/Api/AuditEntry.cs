using System.Text.Json.Serialization;

namespace Gateway.Cli.Api;

/// <summary>
/// One proxied request as the request audit ledger records it: who made it with which key, what it
/// used and cost, and how it ended. <see cref="Denial"/> is set only when the gateway refused the
/// request itself (over budget, rate limited, ...), and <see cref="RecordedAt"/> is the time the
/// audit range filters on. Money is micro-dollars, with the gateway's own rendering in dollars.
/// </summary>
internal sealed record AuditEntry(
    string? KeyId,
    long Sequence,
    string? RequestId,
    string? UserId,
    string? Model,
    string? Provider,
    string? Endpoint,
    bool Streaming,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    bool UsageReported,
    long ReservedMicros,
    long CostMicros,
    string? CostUsd,
    long PriceInputMicrosPerMTok,
    long PriceOutputMicrosPerMTok,
    int HttpStatus,
    [property: JsonConverter(typeof(StringOrNumberConverter))] string? Outcome,
    [property: JsonConverter(typeof(StringOrNumberConverter))] string? Denial,
    string? Error,
    long LatencyMs,
    string? FrontendInstance,
    string? Region,
    string? ClientAddress,
    DateTimeOffset? StartedAt,
    DateTimeOffset? RecordedAt,
    long CacheWrite5mTokens = 0,
    long CacheWrite1hTokens = 0,
    long ReasoningTokens = 0,
    string? Upstream = null,
    int Attempts = 0);
