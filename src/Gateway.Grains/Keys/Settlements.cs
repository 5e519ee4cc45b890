namespace Gateway.Grains.Keys;

/// <summary>
/// One settlement per request id, whoever asks and however often: the front-end, its retry after a
/// timeout, or the abandoned-intent sweep. A settlement in flight is handed back to repeat callers
/// rather than started again, so a second call can never write a second row while the first one's
/// ledger append is still out. A settlement that fails is forgotten, so a later call can try again.
/// Grain-turn code only: not thread-safe, and it relies on the caller registering in one turn.
/// </summary>
public sealed class Settlements
{
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<SettleResult>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Settled (a row for it is committed) since the activation started.</summary>
    public bool IsSettled(string requestId) => _settled.Contains(requestId);

    /// <summary>Being settled now: a repeat caller gets that settlement's result.</summary>
    public bool IsInFlight(string requestId) => _inFlight.ContainsKey(requestId);

    public bool IsSettledOrInFlight(string requestId) => IsSettled(requestId) || IsInFlight(requestId);

    /// <summary>A row for the request is durable (written by this activation or found in the ledger).</summary>
    public void MarkSettled(string requestId) => _settled.Add(requestId);

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
