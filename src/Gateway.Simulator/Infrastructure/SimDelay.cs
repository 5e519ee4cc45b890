namespace Gateway.Simulator.Infrastructure;

internal static class SimDelay
{
    /// <summary>Waits on the injected clock so that a fake TimeProvider can drive latency in tests.</summary>
    public static Task WaitAsync(TimeProvider timeProvider, int milliseconds, CancellationToken cancellationToken) =>
        milliseconds <= 0
            ? Task.CompletedTask
            : Task.Delay(TimeSpan.FromMilliseconds(milliseconds), timeProvider, cancellationToken);
}
