namespace Gateway;

/// <summary>
/// Authenticate, authorize and reserve in one grain call. <see cref="Price"/> is null when the
/// model has no price: the grain still authenticates first, so a bad key is a 401 whatever the model.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.BeginRequest")]
public sealed record BeginRequest(
    [property: Id(0)] RequestContext Context,
    [property: Id(1)] string SecretHash,
    [property: Id(2)] ModelPrice? Price,
    [property: Id(3)] int EstimatedInputTokens,
    [property: Id(4)] int OutputTokenCeiling,
    [property: Id(5)] bool CeilingDefaulted,
    [property: Id(6)] long ReserveMicros);
