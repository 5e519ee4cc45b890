namespace Gateway;

[GenerateSerializer, Immutable, Alias("Gateway.SettleResult")]
public sealed record SettleResult(
    [property: Id(0)] long CostMicros,
    [property: Id(1)] long SpentMicros,
    [property: Id(2)] long LedgerSequence,
    [property: Id(3)] bool AlreadySettled);
