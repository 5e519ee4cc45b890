namespace Gateway;

/// <summary>Live budget state of a user or a team: what the operator view shows.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.BudgetSnapshot")]
public sealed record BudgetSnapshot(
    [property: Id(0)] BudgetLimits Limits,
    [property: Id(1)] long SpentMicros,
    [property: Id(2)] long ReservedMicros,
    [property: Id(3)] int InFlight,
    [property: Id(4)] long PeriodRequests,
    [property: Id(5)] DateTimeOffset? PeriodStart,
    [property: Id(6)] DateTimeOffset? PeriodResetsAt,
    [property: Id(7)] IReadOnlyList<PeriodTotal> PastPeriods,
    [property: Id(8)] RateUsage Rate);

/// <summary>Requests and tokens counted in the last minute, against the limits that apply.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.RateUsage")]
public sealed record RateUsage(
    [property: Id(0)] int? Rpm,
    [property: Id(1)] long? Tpm,
    [property: Id(2)] int RequestsLastMinute,
    [property: Id(3)] long TokensLastMinute)
{
    public bool HasLimits => Rpm is not null || Tpm is not null;

    public int? RequestsRemaining => Rpm is { } rpm ? Math.Max(0, rpm - RequestsLastMinute) : null;

    public long? TokensRemaining => Tpm is { } tpm ? Math.Max(0, tpm - TokensLastMinute) : null;

    /// <summary>Per limit, whichever of the two leaves less: what a caller may still send is bounded by both.</summary>
    public static RateUsage? Tightest(RateUsage? a, RateUsage? b)
    {
        if (a is not { HasLimits: true })
        {
            return b is { HasLimits: true } ? b : null;
        }

        if (b is not { HasLimits: true })
        {
            return a;
        }

        var (rpm, requests) = Pick(a.Rpm, a.RequestsLastMinute, a.RequestsRemaining, b.Rpm, b.RequestsLastMinute, b.RequestsRemaining);
        var (tpm, tokens) = Pick(a.Tpm, a.TokensLastMinute, a.TokensRemaining, b.Tpm, b.TokensLastMinute, b.TokensRemaining);
        return new RateUsage(rpm is null ? null : (int)rpm.Value, tpm, (int)requests, tokens);
    }

    private static (long? Limit, long Used) Pick(long? limitA, long usedA, long? remainingA, long? limitB, long usedB, long? remainingB) =>
        limitB is not null && (limitA is null || remainingB < remainingA) ? (limitB, usedB) : (limitA, usedA);
}
