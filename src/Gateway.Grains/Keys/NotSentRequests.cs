namespace Gateway.Grains.Keys;

/// <summary>
/// Requests refused with 503 because their intent could not be recorded in time. They were not
/// sent, so they must never be charged, even if the intent row lands after the refusal. Each is
/// remembered until a denial row for it (outcome <c>denied</c>, reason <c>StorageUnavailable</c>) is
/// in the key's ledger: from then on the ledger itself says the request was settled, which every
/// later look at the journal (sweep, activation) checks before charging an open intent.
/// </summary>
public sealed class NotSentRequests
{
    private readonly Dictionary<string, RequestContext> _pending = new(StringComparer.Ordinal);

    public int Count => _pending.Count;

    public void Add(RequestContext context) => _pending[context.RequestId] = context;

    public bool Contains(string requestId) => _pending.ContainsKey(requestId);

    public void Remove(string requestId) => _pending.Remove(requestId);

    /// <summary>The refusals whose denial row is still to be written, oldest first.</summary>
    public List<RequestContext> Pending() => [.. _pending.Values.OrderBy(c => c.StartedAt)];
}
