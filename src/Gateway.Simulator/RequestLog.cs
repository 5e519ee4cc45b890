namespace Gateway.Simulator;

/// <summary>
/// The last <see cref="SimulatorOptions.RecordedRequests"/> requests to provider endpoints, served at
/// GET /sim/requests, so a test can see exactly which headers and body reached the upstream.
/// </summary>
public sealed class RequestLog(Microsoft.Extensions.Options.IOptions<SimulatorOptions> options)
{
    private readonly Queue<RecordedRequest> _requests = new();
    private readonly Lock _lock = new();
    private long _sequence;

    internal long NextSequence() => Interlocked.Increment(ref _sequence);

    internal void Add(RecordedRequest request)
    {
        var capacity = options.Value.RecordedRequests;
        if (capacity == 0)
        {
            return;
        }

        lock (_lock)
        {
            _requests.Enqueue(request);
            while (_requests.Count > capacity)
            {
                _requests.Dequeue();
            }
        }
    }

    /// <summary>Newest first; only those whose body contains <paramref name="bodyContains"/> when it is given.</summary>
    public IReadOnlyList<RecordedRequest> Latest(int limit, string? bodyContains = null)
    {
        lock (_lock)
        {
            return _requests.Reverse()
                .Where(r => string.IsNullOrEmpty(bodyContains) || r.Body.Contains(bodyContains, StringComparison.Ordinal))
                .Take(limit)
                .ToList();
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _requests.Clear();
        }
    }
}
