namespace Gateway.Benchmarks;

/// <summary>Which keys a scenario's requests carry, taken round-robin.</summary>
internal enum KeyWorkload
{
    /// <summary><c>--keys</c> keys (50 by default), each of its own user.</summary>
    ManyKeys,

    /// <summary>One key: every request goes through the same grain.</summary>
    OneKey,
}
