namespace Gateway.Storage;

/// <summary>
/// The writes to one account that no request waits on (copies into the ledger, usage rollups,
/// journal retirements) go through here, at most <see cref="StorageOptions.BackgroundWritesInFlight"/>
/// at once, first come first served. Storage serves a request's intent after whatever reached it
/// first: without this bound, fifty keys' ledger copies falling due together put fifty transactions
/// of a hundred rows ahead of every intent, and each client waited out the lot (whole seconds on
/// Azurite, and on Table Storage a burst that its partition and account limits answer with 503s).
/// What waits here waits in memory, behind the request path rather than in front of it.
/// </summary>
public sealed class BackgroundWrites
{
    private readonly SemaphoreSlim _places;
    private readonly KeyValuePair<string, object?> _account;
    private int _waiting;

    /// <param name="inFlight">Places: writes in flight at once.</param>
    /// <param name="account">The account's name, the <c>account</c> tag of <c>gateway.storage.background_writes.waiting</c>.</param>
    public BackgroundWrites(int inFlight, string account = "")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFlight, 1);
        _account = new KeyValuePair<string, object?>(Metrics.StorageMetrics.AccountTag, account);
        _places = new SemaphoreSlim(inFlight, inFlight);
        Capacity = inFlight;
    }

    /// <summary>How many may be in flight at once.</summary>
    public int Capacity { get; }

    /// <summary>How many are in flight now.</summary>
    public int InFlight => Capacity - _places.CurrentCount;

    /// <summary>How many wait for a place now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Runs one write (one round trip, or a few that belong together) once a place is free.</summary>
    public async Task RunAsync(Func<Task> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Interlocked.Increment(ref _waiting);
        Metrics.StorageMetrics.BackgroundWaiting.Add(1, _account);
        try
        {
            await _places.WaitAsync();
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            Metrics.StorageMetrics.BackgroundWaiting.Add(-1, _account);
        }

        try
        {
            await write();
        }
        finally
        {
            _places.Release();
        }
    }
}
