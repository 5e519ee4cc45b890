namespace Gateway.Frontend.Upstreams;

/// <summary>
/// When an upstream is taken out of rotation: once <see cref="FailureRatio"/> of at least
/// <see cref="MinimumThroughput"/> calls within <see cref="SamplingDuration"/> failed (a 5xx, 408,
/// 429, a connection failure or its <c>Timeout</c>), it is skipped for <see cref="BreakDuration"/>,
/// then tried again with one request. Applied by <c>Microsoft.Extensions.Http.Resilience</c>.
/// </summary>
public sealed class CircuitBreakerSettings
{
    public bool Enabled { get; set; } = true;

    public double FailureRatio { get; set; } = 0.5;

    public int MinimumThroughput { get; set; } = 20;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
