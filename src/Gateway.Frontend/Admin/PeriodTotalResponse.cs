using Gateway.Core;

namespace Gateway.Frontend.Admin;

/// <summary>A finished budget period as the admin API shows it.</summary>
public sealed record PeriodTotalResponse(DateTimeOffset Start, DateTimeOffset End, long SpentMicros, string SpentUsd, long Requests)
{
    public static PeriodTotalResponse From(PeriodTotal p) => new(p.Start, p.End, p.SpentMicros, Money.ToUsd(p.SpentMicros), p.Requests);
}
