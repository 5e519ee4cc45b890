namespace Gateway;

/// <summary>
/// How a request the key's grain accepted ended: only what the grain could not know. Its model,
/// price, reservation and the front-end's details are in the grain's hold and in the intent row
/// written at Begin, so a later activation (after a silo died) settles it from the journal alike.
/// <see cref="Upstream"/> names the configured upstream that answered last and <see cref="Attempts"/>
/// how many deployments were tried (more than one after failing over); none for a request settled
/// by the grain itself after its front-end went away.
/// </summary>
/// <remarks>
/// A new wire type (alias <c>Gateway.SettleRequest.V2</c>) rather than the old one with fields
/// dropped: the old one's serializer ids are positional, and a front-end of the previous version
/// must fail loudly against a new silo, not settle with its fields read as others.
/// </remarks>
[GenerateSerializer, Immutable, Alias("Gateway.SettleRequest.V2")]
public sealed record SettleRequest(
    [property: Id(0)] string RequestId,
    [property: Id(1)] UsageReport Usage,
    [property: Id(2)] RequestOutcome Outcome,
    [property: Id(3)] int HttpStatus,
    [property: Id(4)] long LatencyMs,
    [property: Id(5)] string? Error,
    [property: Id(6)] string? Upstream = null,
    [property: Id(7)] int Attempts = 0);
