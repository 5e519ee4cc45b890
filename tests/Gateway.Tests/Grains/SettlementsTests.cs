using Gateway.Grains.Keys;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Grains;

/// <summary>
/// A key's memory of the requests it settled is bounded in time: a key that serves all day held
/// every request id it had settled since activation (about 100 bytes each, a third of a gigabyte a
/// day for a key at 40 requests a second). Repeats past the memory are answered from storage
/// (<see cref="KeyGrainClusterTests"/>).
/// </summary>
public sealed class SettlementsTests
{
    [Fact]
    public void A_settled_request_is_remembered_for_at_least_the_window_and_forgotten_after_two()
    {
        var time = new FakeTimeProvider();
        var settlements = new Settlements(time);
        settlements.MarkSettled("first");

        // Just short of the window: nothing turns over.
        time.Advance(Settlements.Remembered - TimeSpan.FromSeconds(1));
        settlements.MarkSettled("second");
        Assert.True(settlements.IsSettled("first"));

        // One turn-over: both are in the older generation, still known.
        time.Advance(TimeSpan.FromSeconds(1));
        settlements.MarkSettled("third");
        Assert.True(settlements.IsSettled("first"));
        Assert.True(settlements.IsSettled("second"));

        // "second" was settled one window minus a second before the turn-over; at the next one, a
        // window later, it has been known for two windows less a second, and goes with "first".
        time.Advance(Settlements.Remembered);
        settlements.Age();
        Assert.False(settlements.IsSettled("first"));
        Assert.False(settlements.IsSettled("second"));
        Assert.True(settlements.IsSettled("third"));

        // A key gone quiet forgets everything at its sweeps.
        time.Advance(Settlements.Remembered);
        settlements.Age();
        Assert.False(settlements.IsSettled("third"));
    }

    [Fact]
    public void A_request_is_never_forgotten_sooner_than_the_window()
    {
        var time = new FakeTimeProvider();
        var settlements = new Settlements(time);
        var settledAt = new Dictionary<string, DateTimeOffset>();
        for (var i = 0; i < 600; i++)
        {
            // A request every 1.3 s, with an Age() (the sweep) every 7 of them.
            var id = $"req-{i}";
            settlements.MarkSettled(id);
            settledAt[id] = time.GetUtcNow();
            if (i % 7 == 0)
            {
                settlements.Age();
            }

            foreach (var (known, at) in settledAt)
            {
                if (time.GetUtcNow() - at < Settlements.Remembered)
                {
                    Assert.True(settlements.IsSettled(known), $"{known} forgotten {time.GetUtcNow() - at} after it was settled");
                }
                else if (time.GetUtcNow() - at > 2 * Settlements.Remembered + TimeSpan.FromSeconds(3))
                {
                    Assert.False(settlements.IsSettled(known), $"{known} still held {time.GetUtcNow() - at} after it was settled");
                }
            }

            time.Advance(TimeSpan.FromMilliseconds(1300));
        }
    }
}
