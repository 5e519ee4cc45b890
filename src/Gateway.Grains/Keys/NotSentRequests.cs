namespace Gateway.Grains.Keys;

/// <summary>
/// Requests accepted as far as a reservation and then refused with 503 before anything went upstream:
/// their intent could not be recorded in time, the budgets above could not be checked, or the
/// front-end gave up waiting and withdrew them. They were not sent, so they must never be charged,
/// even if the intent row lands after the refusal. Each is remembered until a denial row for it
/// (outcome <c>denied</c>, cost 0) is in the key's ledger: from then on the ledger itself says the
/// request was settled, which every later look at the journal (sweep, activation) checks before
/// charging an open intent.
/// </summary>
public sealed class NotSentRequests
{
    private readonly Dictionary<string, NotSent> _pending = new(StringComparer.Ordinal);

    public int Count => _pending.Count;

    /// <summary>Remembers a refusal; a second one for the same request keeps the first reason.</summary>
    public void Add(RequestContext context, DenialReason reason, string message) =>
        _pending.TryAdd(context.RequestId, new NotSent(context, reason, message));

    public bool Contains(string requestId) => _pending.ContainsKey(requestId);

    public void Remove(string requestId) => _pending.Remove(requestId);

    /// <summary>The refusals whose denial row is still to be written, oldest first.</summary>
    public List<NotSent> Pending() => [.. _pending.Values.OrderBy(n => n.Context.StartedAt)];
}

/// <summary>A request refused before it was sent, with the reason its denial row gives.</summary>
public sealed record NotSent(RequestContext Context, DenialReason Reason, string Message);
