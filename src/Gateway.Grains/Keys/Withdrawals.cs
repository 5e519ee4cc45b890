namespace Gateway.Grains.Keys;

/// <summary>
/// Requests whose front-end gave up waiting on Begin (it answered 503), with when it said so, and
/// those whose Begin is running now: a Begin that finishes after its withdrawal is undone, and one
/// that arrives after it is refused. Remembered for as long as a request may live.
/// </summary>
public sealed class Withdrawals(TimeProvider time)
{
    private readonly Dictionary<string, DateTimeOffset> _withdrawn = new(StringComparer.Ordinal);
    private readonly HashSet<string> _beginning = new(StringComparer.Ordinal);

    public bool Contains(string requestId) => _withdrawn.ContainsKey(requestId);

    /// <summary>From now on no Begin for it is accepted.</summary>
    public void Add(string requestId) => _withdrawn[requestId] = time.GetUtcNow();

    public bool IsBeginning(string requestId) => _beginning.Contains(requestId);

    public void BeginStarted(string requestId) => _beginning.Add(requestId);

    public void BeginEnded(string requestId) => _beginning.Remove(requestId);

    /// <summary>Forgets withdrawals made before <paramref name="before"/>: no Begin of theirs can still arrive.</summary>
    public void ForgetBefore(DateTimeOffset before)
    {
        foreach (var id in _withdrawn.Where(w => w.Value < before).Select(w => w.Key).ToList())
        {
            _withdrawn.Remove(id);
        }
    }
}
