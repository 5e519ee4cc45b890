namespace Gateway.Benchmarks;

/// <summary>
/// A key the load is sent with, and the spend its responses add up to: the figure the gateway's
/// ledger has to match once every request has settled.
/// </summary>
internal sealed class BenchKey(string keyId, string secret)
{
    private long _expectedMicros;
    private long _succeeded;

    public string KeyId { get; } = keyId;

    /// <summary>The bearer token: a gateway key, or the provider key when the simulator is called directly.</summary>
    public string Secret { get; } = secret;

    public long ExpectedMicros => Interlocked.Read(ref _expectedMicros);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public void Charge(long micros)
    {
        Interlocked.Add(ref _expectedMicros, micros);
        Interlocked.Increment(ref _succeeded);
    }
}
