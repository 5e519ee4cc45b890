namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// FNV-1a over the UTF-16 code units. string.GetHashCode is randomised per process, and answers
/// must be the same across runs and machines so that tests and benchmarks are repeatable.
/// </summary>
internal static class StableHash
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Of(string? text)
    {
        var hash = OffsetBasis;
        foreach (var c in text ?? string.Empty)
        {
            hash ^= c & 0xFFu;
            hash *= Prime;
            hash ^= (uint)c >> 8;
            hash *= Prime;
        }

        return hash;
    }
}
