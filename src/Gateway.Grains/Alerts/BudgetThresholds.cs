namespace Gateway.Grains.Alerts;

/// <summary>Decides which budget thresholds a new spend figure crosses. Pure: the caller persists the state.</summary>
public static class BudgetThresholds
{
    /// <summary>
    /// The thresholds (percent of <paramref name="capMicros"/>) that <paramref name="spentMicros"/>
    /// has reached and that have not fired yet in this period, ascending; they are recorded as fired
    /// in <paramref name="state"/>. A jump past several thresholds returns them all.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>A <paramref name="periodStart"/> different from the stored one is a new period: everything may fire again.</item>
    /// <item>Each threshold fires at most once per period. Raising the cap so that spend falls below
    /// a fired threshold, and then climbing past it again, does not fire it a second time.</item>
    /// <item>A cap of zero or less never fires: a zero cap means "nothing allowed", and every request
    /// to it is refused anyway, so "you have used 100% of $0.00" would only be noise.</item>
    /// </list>
    /// </remarks>
    public static IReadOnlyList<int> Observe(ThresholdState state, DateTimeOffset? periodStart, long capMicros, long spentMicros, IReadOnlyList<int> thresholds)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(thresholds);
        if (state.PeriodStart != periodStart)
        {
            state.PeriodStart = periodStart;
            state.Fired.Clear();
        }

        if (capMicros <= 0 || spentMicros <= 0)
        {
            return [];
        }

        List<int>? reached = null;
        foreach (var threshold in thresholds)
        {
            // Int128: spent × 100 and cap × 1000 cannot overflow whatever the longs hold.
            if (threshold > 0 && (Int128)spentMicros * 100 >= (Int128)capMicros * threshold
                && !state.Fired.Contains(threshold) && reached?.Contains(threshold) != true)
            {
                (reached ??= []).Add(threshold);
            }
        }

        if (reached is null)
        {
            return [];
        }

        reached.Sort();
        state.Fired.AddRange(reached);
        state.Fired.Sort();
        return reached;
    }
}
