using Gateway.Core.Ids;

namespace Gateway.Grains.Keys;

/// <summary>
/// Where this activation of the key began: when, and the chain's head once its rows were recovered.
/// A request begun after that (by more than the clocks may disagree, <see cref="KeyGrainOptions.AbandonGrace"/>)
/// came to this activation, so its row, if it has one, is after that head: a look-up for it reads
/// this activation's rows rather than the key's whole ledger partition.
/// </summary>
public sealed class ActivationPoint(Func<long> chainSequence, KeyGrainOptions options, TimeProvider time)
{
    // Null until the activation has recovered its chain.
    private (DateTimeOffset At, long Sequence)? _point;

    /// <summary>Notes that the activation has recovered its chain: requests begun after now have their rows after its head.</summary>
    public void Mark() => _point = (time.GetUtcNow(), chainSequence());

    /// <summary>
    /// The sequence a row of a request begun at <paramref name="startedAt"/> (by its front-end's clock)
    /// must come after: this activation's head when the request began after it, else -1 (anywhere).
    /// </summary>
    public long RowsAfter(DateTimeOffset startedAt) =>
        _point is { } a && startedAt > a.At + options.AbandonGrace ? a.Sequence : -1;

    /// <summary>As <see cref="RowsAfter(DateTimeOffset)"/>, for a request known only by its id: its start is read from the id (<see cref="RequestIds.StartedAt"/>), else -1.</summary>
    public long RowsAfter(string requestId) =>
        RequestIds.StartedAt(requestId) is { } startedAt ? RowsAfter(startedAt) : -1;
}
