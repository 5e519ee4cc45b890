namespace Gateway;

/// <summary>
/// A reservation held by a request in flight. The journal partition says where its intent row
/// lives, so whichever activation settles it can also retire that row.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.Reservation")]
public sealed record Reservation(
    [property: Id(0)] string RequestId,
    [property: Id(1)] long ReservedMicros,
    [property: Id(2)] string JournalPartition,
    [property: Id(3)] DateTimeOffset StartedAt);
