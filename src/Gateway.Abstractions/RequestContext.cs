namespace Gateway;

/// <summary>
/// What the front-end knows about a request that the audit row must carry. It travels with both
/// <c>Begin</c> and <c>Settle</c> so that settlement still produces a complete row when the grain
/// was reactivated elsewhere between the two calls.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.RequestContext")]
public sealed record RequestContext(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Model,
    [property: Id(2)] string Provider,
    [property: Id(3)] string Endpoint,
    [property: Id(4)] bool Streaming,
    [property: Id(5)] string FrontendInstance,
    [property: Id(6)] string Region,
    [property: Id(7)] DateTimeOffset StartedAt,
    [property: Id(8)] string? ClientAddress);
