namespace Gateway.Storage.Audit;

/// <summary>A refused request that no key owns; <see cref="PresentedKeyId"/> is the id part of the presented key, if it had one.</summary>
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
    DateTimeOffset RecordedAt);
