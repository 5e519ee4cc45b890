namespace Gateway.Benchmarks;

/// <summary>
/// What the key grains reached cost: growth of the resident set and of the managed heap, each after a
/// full compacting collection, over <see cref="Reached"/> grains. When fewer than <see cref="Target"/>
/// were reached in time, the per-grain figure is extrapolated to the target.
/// </summary>
internal sealed record GrainMemoryResult(int Target, int Reached, long ResidentBytes, long HeapBytes)
{
    public bool Extrapolated => Reached < Target;

    public double ResidentBytesPerGrain => Reached > 0 ? ResidentBytes / (double)Reached : double.NaN;

    public double HeapBytesPerGrain => Reached > 0 ? HeapBytes / (double)Reached : double.NaN;

    /// <summary>The resident growth for <see cref="Target"/> grains: measured, or extrapolated from the grains reached.</summary>
    public double ResidentBytesAtTarget => Extrapolated ? ResidentBytesPerGrain * Target : ResidentBytes;
}
