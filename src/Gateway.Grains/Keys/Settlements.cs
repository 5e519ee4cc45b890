namespace Gateway.Grains.Keys;

/// <summary>
/// One settlement per request id, whoever asks and however often: the front-end, its retry after a
/// timeout, or the abandoned-intent sweep. A settlement in flight is handed back to repeat callers
/// rather than started again, so a second call can never write a second row while the first one's
/// ledger append is still out. A settlement that fails is forgotten, so a later call can try again.
/// Settled requests are remembered for at least <see cref="Remembered"/> and at most about twice
/// that: a key that serves all day must not hold every request id it ever settled. A repeat that
/// comes later is answered from the journal or the ledger (<c>AuditLedger.ContainsRequestAsync</c>),
/// as a repeat to a new activation always was.
/// Grain-turn code only: not thread-safe, and it relies on the caller registering in one turn.
/// </summary>
public sealed class Settlements(TimeProvider time)
{
    /// <summary>
    /// The least time a settled request is known here without a storage read: repeats from a
    /// front-end whose reply was lost come within seconds of the first.
    /// </summary>
    public static readonly TimeSpan Remembered = TimeSpan.FromMinutes(2);

    // Two generations: ids settled since the last turn-over, and those of the one before. At each
    // turn-over (at least Remembered apart) the older is dropped whole.
    private HashSet<string> _settled = new(StringComparer.Ordinal);
    private HashSet<string>? _older;
    private DateTimeOffset _since = time.GetUtcNow();
    private readonly Dictionary<string, Task<SettleResult>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Settled (a row for it is committed) within the last <see cref="Remembered"/> at least.</summary>
    public bool IsSettled(string requestId) => _settled.Contains(requestId) || _older?.Contains(requestId) == true;

    /// <summary>Being settled now: a repeat caller gets that settlement's result.</summary>
    public bool IsInFlight(string requestId) => _inFlight.ContainsKey(requestId);

    public bool IsSettledOrInFlight(string requestId) => IsSettled(requestId) || IsInFlight(requestId);

    /// <summary>A row for the request is durable (written by this activation or found in the ledger).</summary>
    public void MarkSettled(string requestId)
    {
        Age();
        _settled.Add(requestId);
    }

    /// <summary>Drops the older generation once the current one is <see cref="Remembered"/> old (the key's sweep calls it too, for a key gone quiet).</summary>
    public void Age()
    {
        var now = time.GetUtcNow();
        if (now - _since < Remembered)
        {
            return;
        }

        (_older, _settled, _since) = (_settled.Count == 0 ? null : _settled, new HashSet<string>(StringComparer.Ordinal), now);
    }

    /// <summary>
    /// Runs <paramref name="settle"/> unless a settlement of the same request is already in flight,
    /// in which case the caller waits for that one and gets its result marked
    /// <see cref="SettleResult.AlreadySettled"/>: it charged nothing itself. Must be called before
    /// the caller's first await, so that the registration and the check share one grain turn.
    /// </summary>
    public Task<SettleResult> SettleOnceAsync(string requestId, Func<Task<SettleResult>> settle)
    {
        if (_inFlight.TryGetValue(requestId, out var running))
        {
            return RepeatAsync(running);
        }

        var task = RunAsync(requestId, settle);
        if (!task.IsCompleted)
        {
            // A settlement that finished synchronously (already settled, say) needs no handing back.
            _inFlight[requestId] = task;
        }

        return task;
    }

    private async Task<SettleResult> RunAsync(string requestId, Func<Task<SettleResult>> settle)
    {
        try
        {
            return await settle();
        }
        finally
        {
            _inFlight.Remove(requestId);
        }
    }

    private static async Task<SettleResult> RepeatAsync(Task<SettleResult> running) =>
        (await running) with { AlreadySettled = true };
}
