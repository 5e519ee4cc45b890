using Gateway.Core;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Live budget state of a user or a team: the cap (null: none, spend is still counted), spend and
/// reservations in the current period, what is left, when the period resets, and the rate limits
/// with what the last minute used of them.
/// </summary>
public sealed record BudgetResponse(
    long? CapMicros,
    string? CapUsd,
    long SpentMicros,
    string SpentUsd,
    long ReservedMicros,
    string ReservedUsd,
    long? RemainingMicros,
    string? RemainingUsd,
    int InFlight,
    long PeriodRequests,
    string Period,
    DateTimeOffset? PeriodStart,
    DateTimeOffset? PeriodResetsAt,
    IReadOnlyList<PeriodTotalResponse> PastPeriods,
    RateResponse Rate,
    SpendControlsResponse SpendControls)
{
    public static BudgetResponse From(BudgetSnapshot b)
    {
        long? remaining = b.Limits.CapMicros is { } cap ? Math.Max(0, cap - b.SpentMicros - b.ReservedMicros) : null;
        return new BudgetResponse(b.Limits.CapMicros, b.Limits.CapMicros is { } c ? Money.ToUsd(c) : null, b.SpentMicros, Money.ToUsd(b.SpentMicros),
            b.ReservedMicros, Money.ToUsd(b.ReservedMicros), remaining, remaining is { } r ? Money.ToUsd(r) : null, b.InFlight, b.PeriodRequests,
            BudgetPeriods.Name(b.Limits.Period), b.PeriodStart, b.PeriodResetsAt, b.PastPeriods.Select(PeriodTotalResponse.From).ToList(), RateResponse.From(b.Rate),
            SpendControlsResponse.From(b.Limits.Controls));
    }
}

/// <summary>Rate limits and their headroom: what the last sixty seconds used, and what is left of each limit.</summary>
public sealed record RateResponse(int? Rpm, long? Tpm, int RequestsLastMinute, long TokensLastMinute, int? RequestsRemaining, long? TokensRemaining)
{
    public static RateResponse From(RateUsage r) => new(r.Rpm, r.Tpm, r.RequestsLastMinute, r.TokensLastMinute,
        r.Rpm is { } rpm ? Math.Max(0, rpm - r.RequestsLastMinute) : null, r.Tpm is { } tpm ? Math.Max(0, tpm - r.TokensLastMinute) : null);
}
