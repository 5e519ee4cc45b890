namespace Gateway.Benchmarks;

/// <summary>What a proxy process's JIT has done so far: methods compiled (every tier) and the time spent compiling.</summary>
internal sealed record JitCount(long Methods, double CompileMs)
{
    public static JitCount operator -(JitCount after, JitCount before) => new(after.Methods - before.Methods, after.CompileMs - before.CompileMs);
}
