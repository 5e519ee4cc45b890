namespace Gateway.Benchmarks;

/// <summary>
/// What a proxy process's runtime has done so far: methods compiled (every tier) and the time spent
/// compiling; bytes allocated, collections by generation and the time paused for them.
/// </summary>
internal sealed record RuntimeCount(long Methods, double CompileMs, long AllocatedBytes = 0, int Gen0 = 0, int Gen1 = 0, int Gen2 = 0, double GcPauseMs = 0)
{
    public static RuntimeCount Now() => new(
        System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false),
        System.Runtime.JitInfo.GetCompilationTime(currentThread: false).TotalMilliseconds,
        GC.GetTotalAllocatedBytes(precise: true),
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration().TotalMilliseconds);

    public static RuntimeCount operator -(RuntimeCount after, RuntimeCount before) => new(
        after.Methods - before.Methods,
        after.CompileMs - before.CompileMs,
        after.AllocatedBytes - before.AllocatedBytes,
        after.Gen0 - before.Gen0,
        after.Gen1 - before.Gen1,
        after.Gen2 - before.Gen2,
        after.GcPauseMs - before.GcPauseMs);
}
