using Gateway.Core.Ids;

namespace Gateway.Grains.Keys;

/// <summary>
/// A few moments in the key's life and where its chain's head stood at each (<see cref="ChainMark"/>):
/// when an activation had recovered its chain, and at each checkpoint. Kept in the key's state, so they
/// outlive the activation that noted them. A request begun after a mark (by more than the clocks may
/// disagree, <see cref="KeyGrainOptions.AbandonGrace"/>) gets its row, if it has one, after that
/// mark's head: a look-up for it reads the key's ledger partition from there rather than whole.
/// At most <see cref="Kept"/> marks are kept, thinned so that they grow sparser with age: close
/// together for the last minutes, where the look-ups are (a front-end's repeat, a withdrawal), hours
/// apart further back.
/// </summary>
public sealed class ChainTimeline(Func<KeyState> state, Func<long> chainSequence, KeyGrainOptions options, TimeProvider time)
{
    /// <summary>How many marks a key keeps: about 200 bytes of its state when all are there.</summary>
    public const int Kept = 8;

    /// <summary>
    /// Notes that every row up to the chain's head now is sealed: when the activation has recovered
    /// its chain, and when a checkpoint is written. In the state from then on, stored with the next
    /// checkpoint. Nothing is noted when the head has not moved since the last mark (a later moment
    /// with the same head says less).
    /// </summary>
    public void Mark()
    {
        var mark = new ChainMark(time.GetUtcNow(), chainSequence());
        var marks = state().ChainMarks ?? [];
        if (marks.Length > 0 && marks[^1].Sequence >= mark.Sequence)
        {
            return;
        }

        // An array exactly as long as the marks (a new key's one mark: 40 bytes), made anew at each
        // mark: once a checkpoint, every few hundred rows.
        List<ChainMark> next = [.. marks, mark];
        Thin(next, mark.At);
        state().ChainMarks = [.. next];
    }

    /// <summary>
    /// The sequence a row of a request begun at <paramref name="startedAt"/> (by its front-end's clock)
    /// must come after: the head at the latest mark the request began after, else -1 (anywhere).
    /// </summary>
    public long RowsAfter(DateTimeOffset startedAt)
    {
        var after = -1L;
        foreach (var mark in state().ChainMarks ?? [])
        {
            if (startedAt > mark.At + options.AbandonGrace && mark.Sequence > after)
            {
                after = mark.Sequence;
            }
        }

        return after;
    }

    /// <summary>As <see cref="RowsAfter(DateTimeOffset)"/>, for a request known only by its id: its start is read from the id (<see cref="RequestIds.StartedAt"/>), else -1.</summary>
    public long RowsAfter(string requestId) =>
        RequestIds.StartedAt(requestId) is { } startedAt ? RowsAfter(startedAt) : -1;

    /// <summary>
    /// Past <see cref="Kept"/> marks, drops the one between two others whose gap, once merged, is the
    /// smallest against its age: the oldest and the newest stay, and the rest spread out geometrically.
    /// </summary>
    private static void Thin(List<ChainMark> marks, DateTimeOffset now)
    {
        while (marks.Count > Kept)
        {
            var drop = 1;
            var best = double.MaxValue;
            for (var i = 1; i < marks.Count - 1; i++)
            {
                var gap = (marks[i + 1].At - marks[i - 1].At).Ticks;
                var age = Math.Max(1, (now - marks[i - 1].At).Ticks);
                var score = (double)gap / age;
                if (score < best)
                {
                    (best, drop) = (score, i);
                }
            }

            marks.RemoveAt(drop);
        }
    }
}

/// <summary>A moment in a key's life and its chain's head then: every row up to <see cref="Sequence"/> was sealed by <see cref="At"/> (the sealing silo's clock).</summary>
[GenerateSerializer, Immutable, Alias("Gateway.Grains.ChainMark")]
public readonly record struct ChainMark([property: Id(0)] DateTimeOffset At, [property: Id(1)] long Sequence);
