namespace Gateway.Core;

/// <summary>UTC boundaries of budget periods.</summary>
public static class BudgetPeriods
{
    /// <summary>The start of the period containing <paramref name="at"/>; <see cref="DateTimeOffset.MinValue"/> for none.</summary>
    public static DateTimeOffset StartOf(BudgetPeriod period, DateTimeOffset at)
    {
        var day = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        return period switch
        {
            BudgetPeriod.Daily => day,
            BudgetPeriod.Weekly => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            BudgetPeriod.Monthly => new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => DateTimeOffset.MinValue,
        };
    }

    /// <summary>The start of the period after the one that starts at <paramref name="start"/>; null for none.</summary>
    public static DateTimeOffset? NextAfter(BudgetPeriod period, DateTimeOffset start) => period switch
    {
        BudgetPeriod.Daily => start.AddDays(1),
        BudgetPeriod.Weekly => start.AddDays(7),
        BudgetPeriod.Monthly => start.AddMonths(1),
        _ => null,
    };

    /// <summary>How many finished periods a key, user or team keeps in its history.</summary>
    public const int HistoryLength = 36;

    /// <summary>
    /// Closes the period that starts at <paramref name="start"/> when <paramref name="at"/> is past its
    /// end: its total joins <paramref name="history"/> (the last <see cref="HistoryLength"/> are kept)
    /// and the start of the period <paramref name="at"/> falls in is returned. Null while it still runs,
    /// and always for no period.
    /// </summary>
    public static DateTimeOffset? CloseIfEnded(BudgetPeriod period, DateTimeOffset start, DateTimeOffset at, long spentMicros, long requests, List<PeriodTotal> history)
    {
        if (NextAfter(period, start) is not { } end || at < end)
        {
            return null;
        }

        history.Add(new PeriodTotal(start, end, spentMicros, requests));
        if (history.Count > HistoryLength)
        {
            history.RemoveAt(0);
        }

        return StartOf(period, at);
    }

    public static bool TryParse(string? text, out BudgetPeriod period)
    {
        period = text?.ToLowerInvariant() switch
        {
            null or "none" => BudgetPeriod.None,
            "daily" => BudgetPeriod.Daily,
            "weekly" => BudgetPeriod.Weekly,
            "monthly" => BudgetPeriod.Monthly,
            _ => (BudgetPeriod)(-1),
        };
        return Enum.IsDefined(period);
    }

    public static string Name(BudgetPeriod period) => period.ToString().ToLowerInvariant();
}
