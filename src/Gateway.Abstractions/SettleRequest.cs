namespace Gateway;

[GenerateSerializer, Immutable, Alias("Gateway.SettleRequest")]
public sealed record SettleRequest(
    [property: Id(0)] RequestContext Context,
    [property: Id(1)] Reservation Reservation,
    [property: Id(2)] ModelPrice Price,
    [property: Id(3)] UsageReport Usage,
    [property: Id(4)] RequestOutcome Outcome,
    [property: Id(5)] int HttpStatus,
    [property: Id(6)] long LatencyMs,
    [property: Id(7)] string? Error);
