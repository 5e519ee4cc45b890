namespace Gateway.Simulator.Infrastructure;

/// <summary>SplitMix64: tiny, fast, and its sequence is fixed by definition, unlike System.Random's across runtime versions.</summary>
internal struct DeterministicRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, maxExclusive); the modulo bias is irrelevant for picking words.</summary>
    public int Next(int maxExclusive) => (int)(NextUInt64() % (ulong)maxExclusive);

    /// <summary>Uniform in [-1, 1).</summary>
    public float NextSignedUnit() => (float)((NextUInt64() >> 11) * (1.0 / (1UL << 53)) * 2.0 - 1.0);
}
