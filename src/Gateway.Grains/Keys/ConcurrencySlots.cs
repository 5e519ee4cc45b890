namespace Gateway.Grains.Keys;

/// <summary>
/// The key's requests in flight as its <c>maxConcurrent</c> counts them: taken in the same turn as
/// the key's hold (so concurrent Begins cannot pass the limit together), given back when the
/// request's settlement reaches the grain, when it is refused after being held (a budget above, the
/// journal, a revocation, a withdrawal), or when the sweep settles it as abandoned. Giving back is
/// idempotent, so every path may do it.
/// </summary>
public sealed class ConcurrencySlots
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public int InFlight => _taken.Count;

    /// <summary>Takes a slot for the request; false when <paramref name="limit"/> are taken already (no limit: always true).</summary>
    public bool TryTake(string requestId, int? limit)
    {
        if (limit is { } max && _taken.Count >= max && !_taken.Contains(requestId))
        {
            return false;
        }

        _taken.Add(requestId);
        return true;
    }

    /// <summary>A request found open at activation or by a sweep: it is in flight, whatever the limit.</summary>
    public void Hold(string requestId) => _taken.Add(requestId);

    public void Release(string requestId) => _taken.Remove(requestId);
}
