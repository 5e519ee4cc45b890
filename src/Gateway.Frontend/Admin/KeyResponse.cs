using System.Text.Json.Serialization;
using Gateway.Core;

namespace Gateway.Frontend.Admin;

/// <summary>A key's live state as the admin API shows it: money as micro-dollars and as a USD string.</summary>
public sealed record KeyResponse(
    string KeyId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key,
    string Display,
    string UserId,
    string? Name,
    IReadOnlyList<string> Models,
    string Status,
    long CapMicros,
    string CapUsd,
    long SpentMicros,
    string SpentUsd,
    long ReservedMicros,
    string ReservedUsd,
    long RemainingMicros,
    string RemainingUsd,
    int InFlight,
    long RequestCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    string Silo,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? PreviousSecretValidUntil,
    int? Rpm,
    long? Tpm,
    ContentCapture? Capture,
    string Period,
    DateTimeOffset? PeriodStart,
    DateTimeOffset? PeriodResetsAt,
    IReadOnlyList<PeriodTotalResponse> PastPeriods,
    RateResponse? Rate,
    SpendControlsResponse SpendControls)
{
    public static KeyResponse From(KeySnapshot s, string? key = null)
    {
        var remaining = Math.Max(0, s.CapMicros - s.SpentMicros - s.ReservedMicros);
        return new KeyResponse(s.KeyId, key, Core.Keys.ApiKeyFormat.Display(s.KeyId), s.UserId, s.Name, s.Models,
            s.Status == KeyStatus.Active ? "active" : "revoked",
            s.CapMicros, Money.ToUsd(s.CapMicros), s.SpentMicros, Money.ToUsd(s.SpentMicros),
            s.ReservedMicros, Money.ToUsd(s.ReservedMicros), remaining, Money.ToUsd(remaining),
            s.InFlight, s.RequestCount, s.CreatedAt, s.RevokedAt, s.Silo, s.ExpiresAt, s.PreviousSecretValidUntil, s.Rpm, s.Tpm, s.Capture,
            BudgetPeriods.Name(s.Period), s.PeriodStart, s.PeriodResetsAt, s.PastPeriods.Select(PeriodTotalResponse.From).ToList(),
            s.Rate is { } rate ? RateResponse.From(rate) : null, SpendControlsResponse.From(s.Controls));
    }
}
