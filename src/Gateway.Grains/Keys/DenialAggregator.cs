namespace Gateway.Grains.Keys;

/// <summary>
/// Keeps a flood of refusals from burying a key's ledger. The first denial of a kind from a client
/// address is written as its own row; the repeats within the window after it are only counted, and
/// become one row with their count when the window has passed. A window is opened by a written
/// row, so a slow trickle of denials is still recorded one row each.
/// </summary>
public sealed class DenialAggregator(TimeSpan window, int maxSources)
{
    private readonly Dictionary<(DenialReason Reason, string Address), Pending> _open = [];

    /// <summary>
    /// Counts the denial into an open window and returns true; false when it opens a new window and
    /// must be written as a row of its own.
    /// </summary>
    public bool TryCount(DenialReason reason, RequestContext context, string message, DateTimeOffset now)
    {
        var source = (reason, context.ClientAddress ?? "");
        if (_open.TryGetValue(source, out var pending) && now < pending.WindowEnd)
        {
            pending.Count++;
            pending.First ??= context;
            pending.Last = context;
            pending.Message = message;
            return true;
        }

        if (_open.Count >= maxSources && pending is null)
        {
            // Too many sources at once to track: each is recorded on its own rather than lost.
            return false;
        }

        _open[source] = new Pending(reason, now + window);
        return false;
    }

    /// <summary>The windows that ended by <paramref name="now"/> (all of them when null) and counted repeats, removed.</summary>
    public List<AggregatedDenial> TakeDue(DateTimeOffset? now)
    {
        var due = new List<AggregatedDenial>();
        foreach (var (source, pending) in _open.Where(p => now is null || p.Value.WindowEnd <= now).ToList())
        {
            _open.Remove(source);
            if (pending.Count > 0)
            {
                due.Add(new AggregatedDenial(pending.Reason, pending.First!, pending.Last!, pending.Message!, pending.Count));
            }
        }

        return due;
    }

    private sealed class Pending(DenialReason reason, DateTimeOffset windowEnd)
    {
        public DenialReason Reason { get; } = reason;
        public DateTimeOffset WindowEnd { get; } = windowEnd;
        public long Count { get; set; }
        public RequestContext? First { get; set; }
        public RequestContext? Last { get; set; }
        public string? Message { get; set; }
    }
}

/// <summary>Repeats of one denial from one address: the first and last of them, the message, how many.</summary>
public sealed record AggregatedDenial(DenialReason Reason, RequestContext First, RequestContext Last, string Message, long Count);
