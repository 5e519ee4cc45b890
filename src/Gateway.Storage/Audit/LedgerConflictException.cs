namespace Gateway.Storage.Audit;

/// <summary>A ledger row with this sequence already exists with other content: a second writer on the chain.</summary>
public sealed class LedgerConflictException(string keyId, long sequence, Exception inner)
    : Exception($"Ledger row {sequence} of key {keyId} already exists with different content.", inner)
{
    public string KeyId { get; } = keyId;
    public long Sequence { get; } = sequence;
}
