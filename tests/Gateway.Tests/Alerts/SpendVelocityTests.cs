using Gateway.Grains.Alerts;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Alerts;

/// <summary>The velocity window's arithmetic: sliding minute buckets, the normal per window, one alert per episode.</summary>
public sealed class SpendVelocityTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static VelocityOptions Options => new()
    {
        Window = TimeSpan.FromMinutes(10), Baseline = TimeSpan.FromHours(2), MinBaseline = TimeSpan.FromMinutes(30), Multiple = 5, MinWindowUsd = 0.01m,
    };

    [Fact]
    public void The_window_sums_the_last_ten_minutes_and_lets_older_spend_go()
    {
        var time = new FakeTimeProvider(Start);
        var velocity = new SpendVelocity(Options, time.GetUtcNow());
        velocity.Add(time.GetUtcNow(), 100);
        time.Advance(TimeSpan.FromMinutes(5));
        velocity.Add(time.GetUtcNow(), 50);

        Assert.Equal(150, velocity.WindowSpend(time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(50, velocity.WindowSpend(time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, velocity.WindowSpend(time.GetUtcNow()));
    }

    [Fact]
    public void A_fixed_rate_alerts_once_per_episode_and_again_after_the_window_calmed_down()
    {
        var time = new FakeTimeProvider(Start);
        var velocity = new SpendVelocity(Options, time.GetUtcNow());
        const long perHour = 600; // 100 micro-dollars per 10-minute window

        velocity.Add(time.GetUtcNow(), 100);
        Assert.Null(velocity.Check(time.GetUtcNow(), perHour, null));

        velocity.Add(time.GetUtcNow(), 1);
        var spike = velocity.Check(time.GetUtcNow(), perHour, null);
        Assert.NotNull(spike);
        Assert.Equal((101L, 600L, (int?)null), (spike.WindowMicros, spike.LimitMicrosPerHour!.Value, spike.Multiple));

        // Still over for the rest of the loop: no second alert.
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            velocity.Add(time.GetUtcNow(), 100);
            Assert.Null(velocity.Check(time.GetUtcNow(), perHour, null));
        }

        // Quiet for a window: the episode ends, and a new burst alerts again.
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Null(velocity.Check(time.GetUtcNow(), perHour, null));
        velocity.Add(time.GetUtcNow(), 500);
        Assert.NotNull(velocity.Check(time.GetUtcNow(), perHour, null));
    }

    [Fact]
    public void The_multiple_compares_with_the_average_window_and_waits_for_enough_history()
    {
        var time = new FakeTimeProvider(Start);
        var velocity = new SpendVelocity(Options, time.GetUtcNow());

        // Steady: 20_000 micro-dollars ($0.02) every 10 minutes for an hour.
        for (var i = 0; i < 6; i++)
        {
            velocity.Add(time.GetUtcNow(), 20_000);
            Assert.Null(velocity.Check(time.GetUtcNow(), null, 5));
            time.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.Equal((120_000L, 6L), velocity.Baseline(time.GetUtcNow()));

        // Five times normal is not more than five times normal; a little more is.
        velocity.Add(time.GetUtcNow(), 100_000);
        Assert.Null(velocity.Check(time.GetUtcNow(), null, 5));
        velocity.Add(time.GetUtcNow(), 1);
        var spike = velocity.Check(time.GetUtcNow(), null, 5);
        Assert.NotNull(spike);
        Assert.Equal((100_001L, 5, 20_000L), (spike.WindowMicros, spike.Multiple!.Value, spike.NormalMicros));
    }

    [Fact]
    public void Without_enough_history_or_below_the_floor_the_multiple_stays_quiet()
    {
        var time = new FakeTimeProvider(Start);
        var velocity = new SpendVelocity(Options, time.GetUtcNow());

        // Twenty minutes watched, less than MinBaseline (30): a burst from nothing is not judged yet.
        time.Advance(TimeSpan.FromMinutes(20));
        velocity.Add(time.GetUtcNow(), 1_000_000);
        Assert.Null(velocity.Check(time.GetUtcNow(), null, 5));

        // Later, with a quiet normal, spend below MinWindowUsd ($0.01) is still no spike.
        var quiet = new SpendVelocity(Options, time.GetUtcNow());
        time.Advance(TimeSpan.FromHours(1));
        quiet.Add(time.GetUtcNow(), 9_999);
        Assert.Null(quiet.Check(time.GetUtcNow(), null, 5));
        quiet.Add(time.GetUtcNow(), 1);
        Assert.NotNull(quiet.Check(time.GetUtcNow(), null, 5));
    }

    [Fact]
    public void Velocity_alerts_say_what_was_spent_how_fast_and_which_rule_it_broke()
    {
        var alert = new BudgetAlert(BudgetAlert.KeyScope, "Q49zQdqqcNR3", "alice", null, 0, 0, 3_100_000, BudgetPeriod.None, null, null, Start,
            Velocity: new VelocitySpike(TimeSpan.FromMinutes(10), 3_100_000, 5_000_000, null, 0));

        Assert.Equal("budget.velocity", alert.AuditAction);
        Assert.Equal("Velocity alert: key Q49zQdqqcNR3 (user alice) spent $3.10 in the last 10 minutes ($18.60 an hour), over its limit of $5.00 an hour.", alert.ToMessage());
        Assert.Contains("\"windowSpentUsd\":\"3.10\"", alert.ToJson());
    }

    [Fact]
    public void Buckets_are_allocated_at_the_first_spend_and_not_before()
    {
        // Of 100,000 active keys most are idle: one that has not spent holds no buckets (docs/benchmark.md).
        var options = new VelocityOptions();
        Idle(options); // once first: static state and the runtime's own first-call work are not the budget's
        var before = GC.GetAllocatedBytesForCurrentThread();
        var velocity = Idle(options);
        var idle = GC.GetAllocatedBytesForCurrentThread() - before;

        velocity.Add(Start, 70);
        var spent = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(idle < 256, $"an idle budget's velocity took {idle} bytes");
        // 10 + 144 buckets, a 4-byte stamp and an 8-byte sum each, and the four arrays' headers.
        Assert.InRange(spent - idle, 154 * 12, (154 * 12) + 256);
        Assert.Equal(70, velocity.WindowSpend(Start));

        // Asserted outside the measured span: the assertions allocate themselves.
        static SpendVelocity Idle(VelocityOptions options)
        {
            var velocity = new SpendVelocity(options, Start);
            var (window, baseline, spike) = (velocity.WindowSpend(Start), velocity.Baseline(Start.AddHours(1)), velocity.Check(Start, 1, 2));
            if (window != 0 || baseline != (0, 6) || spike is not null)
            {
                throw new InvalidOperationException($"an idle budget read {window}, {baseline}, {spike}");
            }

            return velocity;
        }
    }

    [Fact]
    public void A_budget_that_wakes_to_a_runaway_is_judged_against_the_hours_before_its_activation()
    {
        // An hour and a half of $0.12 an hour ($0.02 a window), then the grain went idle; it wakes at
        // 10:30 to a loop spending $0.20 in its first window.
        var time = new FakeTimeProvider(Start.AddMinutes(90));
        var velocity = new SpendVelocity(Options, time.GetUtcNow());
        var hourly = new Dictionary<DateTimeOffset, long> { [Start] = 120_000, [Start.AddHours(1)] = 60_000 };
        velocity.Seed(hourly, watchedSince: Start, time.GetUtcNow());

        // The 9 periods since 9:00 hold $0.18: 9:00-10:00 in full, and 10:00-10:30 spread over its 30
        // minutes elapsed (three periods at $0.02).
        Assert.Equal((180_000L, 9L), velocity.Baseline(time.GetUtcNow()));
        velocity.Add(time.GetUtcNow(), 200_000);
        var spike = velocity.Check(time.GetUtcNow(), null, 5);
        Assert.NotNull(spike);
        Assert.Equal((200_000L, 20_000L), (spike.WindowMicros, spike.NormalMicros));
    }

    [Fact]
    public void Unseeded_the_same_runaway_passes_as_the_normal_it_teaches()
    {
        // What a reactivation did before the seed: no history, so the multiple waits for MinBaseline,
        // and by then the runaway is the normal.
        var time = new FakeTimeProvider(Start.AddMinutes(90));
        var velocity = new SpendVelocity(Options, time.GetUtcNow());
        for (var i = 0; i < 6; i++)
        {
            velocity.Add(time.GetUtcNow(), 200_000);
            Assert.Null(velocity.Check(time.GetUtcNow(), null, 5));
            time.Advance(TimeSpan.FromMinutes(10));
        }

        velocity.Add(time.GetUtcNow(), 200_000);
        Assert.Null(velocity.Check(time.GetUtcNow(), null, 5));
    }

    [Fact]
    public void A_seed_counts_history_no_further_back_than_the_budget_was_created_or_the_baseline_reaches()
    {
        var time = new FakeTimeProvider(Start.AddHours(5));
        var velocity = new SpendVelocity(Options, time.GetUtcNow());

        // Created 20 minutes ago: two periods of history, under MinBaseline (30 minutes), so the multiple still waits.
        velocity.Seed(new Dictionary<DateTimeOffset, long> { [Start.AddHours(5)] = 0 }, time.GetUtcNow().AddMinutes(-20), time.GetUtcNow());
        Assert.Equal((0L, 2L), velocity.Baseline(time.GetUtcNow()));
        velocity.Add(time.GetUtcNow(), 1_000_000);
        Assert.Null(velocity.Check(time.GetUtcNow(), null, 5));

        // Created long ago: the baseline's 2 hours, and the hours before them are not counted.
        var older = new SpendVelocity(Options, time.GetUtcNow());
        older.Seed(new Dictionary<DateTimeOffset, long> { [Start] = 9_999_999, [Start.AddHours(3)] = 60_000, [Start.AddHours(4)] = 60_000 }, Start, time.GetUtcNow());
        Assert.Equal((120_000L, 12L), older.Baseline(time.GetUtcNow()));
    }

    [Fact]
    public void Rows_replayed_at_activation_are_not_counted_twice_when_the_seed_covers_their_hour()
    {
        var time = new FakeTimeProvider(Start.AddMinutes(90));
        var velocity = new SpendVelocity(Options, time.GetUtcNow());

        // Replayed from the ledger at activation, and in the rollups too.
        velocity.Add(Start.AddMinutes(65), 30_000);
        velocity.Seed(new Dictionary<DateTimeOffset, long> { [Start] = 60_000, [Start.AddHours(1)] = 30_000 }, Start, time.GetUtcNow());

        Assert.Equal((90_000L, 9L), velocity.Baseline(time.GetUtcNow()));
    }
}
