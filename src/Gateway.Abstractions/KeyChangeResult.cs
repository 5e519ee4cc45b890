namespace Gateway;

/// <summary>
/// The answer to a change to a key: decided in the key's grain in one turn, so a change can never
/// slip in after a concurrent revocation. <see cref="Key"/> is the state after the change, or the
/// unchanged state of a revoked key; null when there is no such key.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.KeyChangeResult")]
public sealed record KeyChangeResult(
    [property: Id(0)] KeyChangeOutcome Outcome,
    [property: Id(1)] KeySnapshot? Key);
