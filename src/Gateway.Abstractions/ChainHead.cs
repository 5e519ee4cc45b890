namespace Gateway;

/// <summary>
/// The head of a key's ledger chain as its grain holds it in memory (authoritative while the grain
/// is active): the newest committed sequence number and its hash, and the last checkpointed
/// sequence. Verification compares it with the newest row found in storage, so deleting the
/// newest rows shows up as a truncated chain.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.ChainHead")]
public sealed record ChainHead(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string Hash,
    [property: Id(2)] long CheckpointSequence);
