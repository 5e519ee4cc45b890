using Gateway.Grains.Alerts;

namespace Gateway.Tests.Alerts;

public sealed class BudgetThresholdsTests
{
    private static readonly int[] Thresholds = [50, 80, 100];
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Crossing_50_and_80_in_one_jump_fires_both()
    {
        var state = new ThresholdState();

        Assert.Empty(BudgetThresholds.Observe(state, Monday, 5_000_000, 1_000_000, Thresholds));
        Assert.Equal([50, 80], BudgetThresholds.Observe(state, Monday, 5_000_000, 4_020_000, Thresholds));
        Assert.Equal([50, 80], state.Fired);
    }

    [Fact]
    public void A_threshold_fires_once_per_period()
    {
        var state = new ThresholdState();

        Assert.Equal([50], BudgetThresholds.Observe(state, Monday, 1_000, 500, Thresholds));
        Assert.Empty(BudgetThresholds.Observe(state, Monday, 1_000, 500, Thresholds));
        Assert.Empty(BudgetThresholds.Observe(state, Monday, 1_000, 700, Thresholds));
        Assert.Equal([80, 100], BudgetThresholds.Observe(state, Monday, 1_000, 1_200, Thresholds));
        Assert.Empty(BudgetThresholds.Observe(state, Monday, 1_000, 2_000, Thresholds));
    }

    [Fact]
    public void A_new_period_starts_the_thresholds_again()
    {
        var state = new ThresholdState();
        Assert.Equal([50, 80], BudgetThresholds.Observe(state, Monday, 1_000, 900, Thresholds));

        var nextWeek = Monday.AddDays(7);
        Assert.Empty(BudgetThresholds.Observe(state, nextWeek, 1_000, 100, Thresholds));
        Assert.Equal(nextWeek, state.PeriodStart);
        Assert.Empty(state.Fired);
        Assert.Equal([50], BudgetThresholds.Observe(state, nextWeek, 1_000, 600, Thresholds));
    }

    [Fact]
    public void A_threshold_is_reached_at_exactly_its_share_of_the_cap()
    {
        var state = new ThresholdState();

        Assert.Empty(BudgetThresholds.Observe(state, null, 3_000_001, 1_500_000, Thresholds));
        Assert.Equal([50], BudgetThresholds.Observe(state, null, 3_000_000, 1_500_000, Thresholds));
    }

    [Fact]
    public void A_zero_cap_never_fires()
    {
        var state = new ThresholdState();

        Assert.Empty(BudgetThresholds.Observe(state, Monday, 0, 0, Thresholds));
        Assert.Empty(BudgetThresholds.Observe(state, Monday, 0, 1_000, Thresholds));
        Assert.Empty(state.Fired);
    }

    [Fact]
    public void Raising_the_cap_does_not_fire_a_threshold_again_in_the_same_period()
    {
        var state = new ThresholdState();
        Assert.Equal([50, 80], BudgetThresholds.Observe(state, Monday, 5_000_000, 4_000_000, Thresholds));

        // Cap doubled: spend is back at 40%, then climbs past 50% and 80% of the new cap.
        Assert.Empty(BudgetThresholds.Observe(state, Monday, 10_000_000, 4_000_000, Thresholds));
        Assert.Empty(BudgetThresholds.Observe(state, Monday, 10_000_000, 8_500_000, Thresholds));
        Assert.Equal([100], BudgetThresholds.Observe(state, Monday, 10_000_000, 10_000_000, Thresholds));
    }

    [Fact]
    public void Extreme_amounts_do_not_overflow()
    {
        var state = new ThresholdState();

        Assert.Equal([50], BudgetThresholds.Observe(state, null, long.MaxValue, long.MaxValue / 2 + 1, [50, 1000]));
        Assert.Equal([1000], BudgetThresholds.Observe(state, null, long.MaxValue / 10, long.MaxValue, [50, 1000]));
    }
}
