using Gateway.Storage.Audit;
using Gateway.Storage.Journal;

namespace Gateway.Grains.Keys;

/// <summary>
/// The last minute of a key's accepted requests, for requests-per-minute and tokens-per-minute
/// limits. A sliding window: a request counts for exactly sixty seconds after it was accepted, so
/// the Retry-After it implies is exact. Tokens are counted at their reservation estimate and
/// corrected to the actual usage when the request settles.
/// </summary>
public sealed class RateWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(1);

    private readonly LinkedList<Entry> _entries = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byRequest = new(StringComparer.Ordinal);
    private long _tokens;

    public int Requests => _entries.Count;

    public long Tokens => _tokens;

    /// <summary>How long until a request of <paramref name="tokens"/> fits both limits; zero when it fits now.</summary>
    public TimeSpan WaitFor(DateTimeOffset now, int? rpm, long? tpm, long tokens)
    {
        Prune(now);
        var wait = TimeSpan.Zero;
        if (rpm is { } maxRequests && _entries.Count >= maxRequests)
        {
            // The oldest requests must leave the window until one slot is free.
            var node = _entries.First;
            for (var i = 0; i < _entries.Count - maxRequests && node is not null; i++)
            {
                node = node.Next;
            }

            wait = Max(wait, node!.Value.At + Length - now);
        }

        if (tpm is { } maxTokens && _tokens + tokens > maxTokens)
        {
            var freed = 0L;
            foreach (var entry in _entries)
            {
                freed += entry.Tokens;
                if (_tokens - freed + tokens <= maxTokens)
                {
                    wait = Max(wait, entry.At + Length - now);
                    break;
                }
            }
        }

        return wait;
    }

    public void Add(string requestId, DateTimeOffset at, long tokens)
    {
        _byRequest[requestId] = _entries.AddLast(new Entry(requestId, at, tokens));
        _tokens += tokens;
    }

    /// <summary>
    /// Refills the window after a reactivation from what storage says happened in the last minute,
    /// so that a crash doesn't hand a runaway a fresh minute.
    /// </summary>
    public void Restore(IEnumerable<(string RequestId, DateTimeOffset At, long Tokens)> requests)
    {
        foreach (var (requestId, at, tokens) in requests.OrderBy(r => r.At))
        {
            if (!_byRequest.ContainsKey(requestId))
            {
                Add(requestId, at, tokens);
            }
        }
    }

    /// <summary>
    /// The requests of a key that count in a rate window ending now: rows of accepted requests started
    /// in the last minute (at their actual tokens) and intents still open (at their estimate).
    /// </summary>
    public static async Task<List<(string RequestId, DateTimeOffset At, long Tokens)>> LastMinuteAsync(
        string keyId, AuditLedger ledger, TimeProvider time, IEnumerable<IntentEntry> open, Func<AuditRecord, bool> counts, CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - Length;
        var recent = new List<(string, DateTimeOffset, long)>();
        await foreach (var row in ledger.QueryAsync(keyId, since, null, cancellationToken))
        {
            if (row.Outcome != AuditRows.OutcomeName(RequestOutcome.Denied) && row.StartedAt >= since && counts(row))
            {
                recent.Add((row.RequestId, row.StartedAt, row.InputTokens + row.OutputTokens));
            }
        }

        recent.AddRange(open.Where(i => i.KeyId == keyId && i.StartedAt >= since).Select(i => (i.RequestId, i.StartedAt, i.EstimatedInputTokens + i.OutputTokenCeiling)));
        return recent;
    }

    /// <summary>Replaces a request's estimated tokens with what it really used.</summary>
    public void Correct(string requestId, long actualTokens)
    {
        if (_byRequest.TryGetValue(requestId, out var node))
        {
            _tokens += actualTokens - node.Value.Tokens;
            node.Value.Tokens = actualTokens;
        }
    }

    /// <summary>Takes a request out of the window again: it was refused further on and never went out.</summary>
    public void Remove(string requestId)
    {
        if (_byRequest.Remove(requestId, out var node))
        {
            _tokens -= node.Value.Tokens;
            _entries.Remove(node);
        }
    }

    /// <summary>Requests and tokens in the window that ends now.</summary>
    public (int Requests, long Tokens) Usage(DateTimeOffset now)
    {
        Prune(now);
        return (_entries.Count, _tokens);
    }

    private void Prune(DateTimeOffset now)
    {
        while (_entries.First is { } first && first.Value.At + Length <= now)
        {
            _tokens -= first.Value.Tokens;
            _entries.RemoveFirst();
            _byRequest.Remove(first.Value.RequestId);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class Entry(string requestId, DateTimeOffset at, long tokens)
    {
        public string RequestId { get; } = requestId;
        public DateTimeOffset At { get; } = at;
        public long Tokens { get; set; } = tokens;
    }
}
