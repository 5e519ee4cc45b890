namespace Gateway;

/// <summary>
/// A refused request that no key owns; <see cref="PresentedKeyId"/> is the id part of the presented
/// key, if it had one. <see cref="Count"/> is more than 1 for a row standing for the repeats of one
/// refusal from one address within a window (then the request id is the last of them).
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.UnattributedDenial")]
public sealed record UnattributedDenial(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string? PresentedKeyId,
    [property: Id(2)] string Reason,
    [property: Id(3)] string Endpoint,
    [property: Id(4)] string? Model,
    [property: Id(5)] int HttpStatus,
    [property: Id(6)] string FrontendInstance,
    [property: Id(7)] string Region,
    [property: Id(8)] string? ClientAddress,
    [property: Id(9)] DateTimeOffset RecordedAt,
    [property: Id(10)] long Count = 1,
    [property: Id(11)] DateTimeOffset? FirstAt = null);
