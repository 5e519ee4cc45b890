namespace Gateway.Benchmarks;

/// <summary>The part of a key's live state the ledger check reads.</summary>
internal sealed record KeyState(long SpentMicros, long ReservedMicros, int InFlight, long RequestCount)
{
    /// <summary>Nothing reserved and nothing running: every request on the key has settled.</summary>
    public bool Settled => ReservedMicros == 0 && InFlight == 0;
}
