namespace Gateway.Storage.Audit;

/// <summary>
/// A refused request that no key owns; <see cref="PresentedKeyId"/> is the id part of the presented
/// key, if it had one. <see cref="Count"/> is more than 1 for a row standing for the repeats of one
/// refusal from one address within a window (then the request id is the last of them).
/// </summary>
public sealed record UnattributedDenial(
    string RequestId,
    string? PresentedKeyId,
    string Reason,
    string Endpoint,
    string? Model,
    int HttpStatus,
    string FrontendInstance,
    string Region,
    string? ClientAddress,
    DateTimeOffset RecordedAt,
    long Count = 1,
    DateTimeOffset? FirstAt = null);
