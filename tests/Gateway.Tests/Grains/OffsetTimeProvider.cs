namespace Gateway.Tests.Grains;

/// <summary>
/// System time moved forward by a controllable offset. Unlike a frozen fake clock, timers and
/// timestamps keep running, so the Orleans runtime sharing the silo is unaffected while the
/// gateway's deadlines (which read <see cref="GetUtcNow"/>) can be jumped past.
/// </summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
