using Gateway.Storage.Journal;

namespace Gateway.Grains.Keys;

/// <summary>
/// The key's requests in flight: each one's intent (what its settlement's row is made of, whichever
/// activation settles it) and when its front-end last showed it was alive. The money they hold is
/// the key's budget's; this is what the sweep and the settlement need to know about them.
/// </summary>
public sealed class OpenRequests(TimeProvider time)
{
    private readonly Dictionary<string, Open> _open = new(StringComparer.Ordinal);

    public IEnumerable<IntentEntry> Intents => _open.Values.Select(o => o.Intent);

    public bool Contains(string requestId) => _open.ContainsKey(requestId);

    /// <summary>False when the request is open already (a repeated id).</summary>
    public bool TryAdd(IntentEntry intent)
    {
        if (!_open.TryAdd(intent.RequestId, new Open(intent, time.GetUtcNow())))
        {
            return false;
        }

        GrainMetrics.ReservationsChanged(1);
        return true;
    }

    public IntentEntry? Find(string requestId) => _open.TryGetValue(requestId, out var open) ? open.Intent : null;

    /// <summary>The team whose budget holds it too, once the budgets above the key have said yes.</summary>
    public void SetTeam(string requestId, string? teamId)
    {
        if (_open.TryGetValue(requestId, out var open))
        {
            open.Intent = open.Intent with { TeamId = teamId };
        }
    }

    public void Remove(string requestId)
    {
        if (_open.Remove(requestId))
        {
            GrainMetrics.ReservationsChanged(-1);
        }
    }

    /// <summary>The activation ends: what it still holds is held by the next one (re-read from the journal), not by this silo.</summary>
    public void Release()
    {
        GrainMetrics.ReservationsChanged(-_open.Count);
        _open.Clear();
    }

    /// <summary>Its front-end is alive: the lease runs on from now (the silo's clock).</summary>
    public void Renew(string requestId)
    {
        if (_open.TryGetValue(requestId, out var open))
        {
            open.LastAlive = time.GetUtcNow();
        }
    }

    /// <summary>Requests started before <paramref name="outlived"/> or not renewed since <paramref name="unrenewed"/>.</summary>
    public List<IntentEntry> Expired(DateTimeOffset outlived, DateTimeOffset unrenewed) =>
        _open.Values.Where(o => o.Intent.StartedAt < outlived || o.LastAlive < unrenewed).Select(o => o.Intent).ToList();

    private sealed class Open(IntentEntry intent, DateTimeOffset heldAt)
    {
        public IntentEntry Intent { get; set; } = intent;

        /// <summary>The hold (or this activation's re-hold) or the last renewal.</summary>
        public DateTimeOffset LastAlive { get; set; } = heldAt;
    }
}
