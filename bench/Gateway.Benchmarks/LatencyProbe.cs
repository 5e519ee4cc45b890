namespace Gateway.Benchmarks;

/// <summary>
/// The latency a proxy adds when nothing queues: one client through the bare forwarder and through the
/// gateway, and one storage round trip (a point read of the same Azurite) to judge the difference by.
/// </summary>
internal sealed record LatencyProbe(ScenarioResult? Floor, ScenarioResult? Gateway, LatencyFigures? StorageRoundTrip)
{
    /// <summary>Inserts of an intent-sized entity, one at a time: shown beside the read, not judged by.</summary>
    public LatencyFigures? StorageInsert { get; init; }

    /// <summary>
    /// Each request's intent in the 1-client run, from its submission to the journal's writer until
    /// committed, as the gateway timed it (<c>gateway.journal.commit_wait</c>): the storage round trip
    /// inside the added latency. Shown, not judged by.
    /// </summary>
    public LatencyFigures? IntentWrite { get; init; }

    /// <summary>The added p50 less the intent's p50 wait: what the gateway's own code and its hops add besides that one round trip.</summary>
    public double AddedBesidesIntentMs => IntentWrite is { } intent ? AddedP50Ms - intent.P50 : double.NaN;

    /// <summary>What the issue allows the gateway to add: one storage round trip and half a millisecond.</summary>
    public const double AllowanceMs = 0.5;

    public double AddedP50Ms => Floor is { } f && Gateway is { } g ? g.P50Ms - f.P50Ms : double.NaN;

    public double BoundMs => StorageRoundTrip is { } rtt ? rtt.P50 + AllowanceMs : double.NaN;
}
