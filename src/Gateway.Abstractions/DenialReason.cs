namespace Gateway;

[GenerateSerializer, Alias("Gateway.DenialReason")]
public enum DenialReason
{
    None = 0,
    UnknownKey = 1,
    Revoked = 2,
    ModelNotAllowed = 3,
    ModelNotPriced = 4,
    OverBudget = 5,
    AuditUnavailable = 6,
    Expired = 7,
    RateLimited = 8,

    /// <summary>The intent could not be recorded in time (storage stalled or down): refused with 503, not sent, never charged.</summary>
    StorageUnavailable = 9,

    /// <summary>The request's worst case is above a per-request ceiling (<c>maxRequestUsd</c>, <c>maxInputTokens</c>) of its key, user or team: 400, retrying won't help.</summary>
    RequestTooLarge = 10,

    /// <summary>The key has <c>maxConcurrent</c> requests in flight already: 429 with <c>Retry-After</c>.</summary>
    ConcurrencyLimited = 11,
}
