using Gateway.Core.Ids;
using Gateway.Grains.Keys;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Grains;

/// <summary>
/// The marks a key keeps of where its chain's head stood: what a look-up for a request's row starts
/// after, given when the request began (<see cref="KeyGrainClusterTests"/> for the look-ups themselves).
/// </summary>
public sealed class ChainTimelineTests
{
    private static readonly KeyGrainOptions Options = new() { AbandonGrace = TimeSpan.FromMinutes(1) };

    private sealed class Key
    {
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        public KeyState State { get; } = new() { Exists = true };
        public long Head { get; set; }
        public ChainTimeline Timeline { get; }

        public Key() => Timeline = new ChainTimeline(() => State, () => Head, Options, Time);
    }

    [Fact]
    public void A_request_begun_after_a_mark_by_more_than_the_clocks_allowance_is_looked_for_after_that_mark_s_head()
    {
        var key = new Key();
        var start = key.Time.GetUtcNow();
        Assert.Equal(-1, key.Timeline.RowsAfter(start.AddHours(1)));

        key.Head = 10;
        key.Timeline.Mark();
        key.Time.Advance(TimeSpan.FromMinutes(5));
        key.Head = 25;
        key.Timeline.Mark();

        // Before the first mark, or within the allowance after it: anywhere.
        Assert.Equal(-1, key.Timeline.RowsAfter(start.AddSeconds(-1)));
        Assert.Equal(-1, key.Timeline.RowsAfter(start + Options.AbandonGrace));
        // Past the first mark's allowance: after its head; past the second's: after the second's.
        Assert.Equal(10, key.Timeline.RowsAfter(start + Options.AbandonGrace + TimeSpan.FromMilliseconds(1)));
        Assert.Equal(10, key.Timeline.RowsAfter(start.AddMinutes(6)));
        Assert.Equal(25, key.Timeline.RowsAfter(start.AddMinutes(6) + TimeSpan.FromMilliseconds(1)));

        // A request known by its id (a version 7 UUID made when it began): the same; any other id, anywhere.
        Assert.Equal(25, key.Timeline.RowsAfter(RequestIds.New(start.AddMinutes(7))));
        Assert.Equal(10, key.Timeline.RowsAfter(RequestIds.New(start.AddMinutes(2))));
        Assert.Equal(-1, key.Timeline.RowsAfter(Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public void A_mark_whose_head_has_not_moved_is_not_kept_since_the_earlier_one_says_more()
    {
        var key = new Key();
        key.Head = 3;
        key.Timeline.Mark();
        var first = key.Time.GetUtcNow();
        key.Time.Advance(TimeSpan.FromMinutes(10));
        key.Timeline.Mark();

        Assert.Equal([new ChainMark(first, 3)], key.State.ChainMarks!);
        Assert.Equal(3, key.Timeline.RowsAfter(first.AddMinutes(2)));
    }

    [Fact]
    public void The_marks_are_bounded_keep_the_first_and_the_newest_and_thin_out_with_age()
    {
        var key = new Key();
        var start = key.Time.GetUtcNow();

        // A busy key checkpointing every minute for a day.
        for (var minute = 0; minute < 24 * 60; minute++)
        {
            key.Head += 200;
            key.Timeline.Mark();
            key.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var marks = key.State.ChainMarks!;
        Assert.Equal(ChainTimeline.Kept, marks.Length);
        Assert.Equal(start, marks[0].At);
        Assert.Equal(key.Head, marks[^1].Sequence);
        Assert.True(marks.Zip(marks.Skip(1)).All(p => p.First.At < p.Second.At && p.First.Sequence < p.Second.Sequence));

        // Sparser with age: each gap is at least as long as the one after it, give or take a minute.
        var gaps = marks.Zip(marks.Skip(1)).Select(p => p.Second.At - p.First.At).ToList();
        Assert.True(gaps.Zip(gaps.Skip(1)).All(p => p.First + TimeSpan.FromMinutes(1) >= p.Second), string.Join(", ", gaps));

        // A request begun a few minutes ago is looked for among the last hour's rows at most, not the day's.
        var now = key.Time.GetUtcNow();
        var after = key.Timeline.RowsAfter(now.AddMinutes(-3));
        Assert.InRange(key.Head - after, 1, 60 * 200);
        // Every answer is a sound bound: a head noted at least the allowance before the request began.
        foreach (var minutesAgo in new[] { 2, 5, 30, 90, 600, 1400 })
        {
            var began = now.AddMinutes(-minutesAgo);
            var bound = key.Timeline.RowsAfter(began);
            var headThen = (long)Math.Ceiling((began - Options.AbandonGrace - start).TotalMinutes) * 200;
            Assert.True(bound <= headThen, $"{minutesAgo} minutes ago: after {bound}, but the head a minute before it began was {headThen}");
        }
    }
}
