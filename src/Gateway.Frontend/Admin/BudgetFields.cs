using System.Text.Json;
using Gateway.Core;

namespace Gateway.Frontend.Admin;

/// <summary>
/// The budget fields a user or a team accepts on create and update: <c>capUsd</c>, <c>period</c>,
/// <c>rpm</c>, <c>tpm</c>. Absent leaves a value as it is; <c>null</c> removes the cap or a limit.
/// </summary>
public static class BudgetFields
{
    public const long MaxCapMicros = 100_000_000 * Money.MicrosPerDollar;

    /// <summary>The budget fields and the spend controls <paramref name="level"/> takes, as one change.</summary>
    public static (BudgetChanges? Changes, string? Error) Parse(JsonElement capUsd, JsonElement period, JsonElement rpm, JsonElement tpm,
        SpendControlFields.Level level, JsonElement maxRequestUsd, JsonElement maxInputTokens, JsonElement maxConcurrent, JsonElement velocityUsdPerHour, JsonElement velocityMultiple)
    {
        var (budget, error) = Parse(capUsd, period, rpm, tpm);
        if (budget is null)
        {
            return (null, error);
        }

        var (controls, controlsError) = SpendControlFields.Parse(level, maxRequestUsd, maxInputTokens, maxConcurrent, velocityUsdPerHour, velocityMultiple);
        return controls is null ? (null, controlsError) : (budget with { Controls = controls.IsEmpty ? null : controls }, null);
    }

    public static (BudgetChanges? Changes, string? Error) Parse(JsonElement capUsd, JsonElement period, JsonElement rpm, JsonElement tpm)
    {
        if (!Is(capUsd, JsonValueKind.Number, JsonValueKind.Null) || !Is(period, JsonValueKind.String)
            || !Is(rpm, JsonValueKind.Number, JsonValueKind.Null) || !Is(tpm, JsonValueKind.Number, JsonValueKind.Null))
        {
            return (null, "capUsd, rpm and tpm are numbers (or null to remove them), period one of none, daily, weekly, monthly.");
        }

        long? cap = null;
        if (capUsd.ValueKind == JsonValueKind.Number)
        {
            if (!capUsd.TryGetDecimal(out var usd) || usd < 0 || usd > MaxCapMicros / Money.MicrosPerDollar)
            {
                return (null, $"capUsd must be between 0 and {MaxCapMicros / Money.MicrosPerDollar}.");
            }

            cap = Money.FromUsd(usd);
        }

        BudgetPeriod? parsedPeriod = null;
        if (period.ValueKind == JsonValueKind.String)
        {
            if (!BudgetPeriods.TryParse(period.GetString(), out var p))
            {
                return (null, "period must be one of none, daily, weekly, monthly.");
            }

            parsedPeriod = p;
        }

        int? rpmValue = null;
        if (rpm.ValueKind == JsonValueKind.Number)
        {
            if (!rpm.TryGetInt32(out var r) || r < 1)
            {
                return (null, "rpm must be a whole number of at least 1 (or null for no limit).");
            }

            rpmValue = r;
        }

        long? tpmValue = null;
        if (tpm.ValueKind == JsonValueKind.Number)
        {
            if (!tpm.TryGetInt64(out var t) || t < 1)
            {
                return (null, "tpm must be a whole number of at least 1 (or null for no limit).");
            }

            tpmValue = t;
        }

        return (new BudgetChanges(cap, parsedPeriod, rpmValue, tpmValue,
            ClearCap: capUsd.ValueKind == JsonValueKind.Null, ClearRpm: rpm.ValueKind == JsonValueKind.Null, ClearTpm: tpm.ValueKind == JsonValueKind.Null), null);
    }

    private static bool Is(JsonElement value, params JsonValueKind[] kinds) => value.ValueKind == JsonValueKind.Undefined || kinds.Contains(value.ValueKind);
}
