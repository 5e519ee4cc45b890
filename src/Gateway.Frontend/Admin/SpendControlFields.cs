using System.Text.Json;
using Gateway.Core;

namespace Gateway.Frontend.Admin;

/// <summary>
/// The spend-control fields (docs/spend-controls.md) the admin API accepts for keys, users and teams,
/// alike on create and update: <c>maxRequestUsd</c>, <c>maxInputTokens</c> (every level),
/// <c>maxConcurrent</c> (keys), <c>velocityUsdPerHour</c> and <c>velocityMultiple</c> (keys and users).
/// Absent leaves a value as it is; <c>null</c> removes it. Each problem names the field.
/// </summary>
public static class SpendControlFields
{
    public const decimal MaxUsd = 1_000_000m;
    public const int MaxConcurrentLimit = 100_000;
    public const int MaxMultiple = 1000;

    /// <summary>Which fields a level takes: a team has no concurrency limit or velocity alerts, a user no concurrency limit.</summary>
    public enum Level { Key, User, Team }

    public static (SpendControlChanges? Changes, string? Error) Parse(Level level, JsonElement maxRequestUsd, JsonElement maxInputTokens, JsonElement maxConcurrent,
        JsonElement velocityUsdPerHour, JsonElement velocityMultiple)
    {
        if (level != Level.Key && maxConcurrent.ValueKind != JsonValueKind.Undefined)
        {
            return (null, "maxConcurrent is a key's limit (requests in flight at once); set it on the user's keys.");
        }

        if (level == Level.Team && (velocityUsdPerHour.ValueKind != JsonValueKind.Undefined || velocityMultiple.ValueKind != JsonValueKind.Undefined))
        {
            return (null, "velocityUsdPerHour and velocityMultiple are set on keys and users; a team's spikes are its members' and keys'.");
        }

        var (maxRequest, e1) = Usd(maxRequestUsd, allowZero: false,
            "maxRequestUsd is a number of USD above 0 and at most 1000000 (at most 6 decimals, such as 0.50), or null to remove it: the most one request may cost at worst.");
        var (maxTokens, e2) = Whole(maxInputTokens, 1, int.MaxValue,
            "maxInputTokens is a whole number of at least 1, or null to remove it: the most prompt tokens one request may send.");
        var (concurrent, e3) = Whole(maxConcurrent, 1, MaxConcurrentLimit,
            $"maxConcurrent is a whole number from 1 to {MaxConcurrentLimit}, or null to remove it: the key's requests in flight at once.");
        var (perHour, e4) = Usd(velocityUsdPerHour, allowZero: true,
            "velocityUsdPerHour is a number of USD from 0 (no fixed rate) to 1000000 (at most 6 decimals), or null for the configured default.");
        var (multiple, e5) = Whole(velocityMultiple, 0, MaxMultiple,
            $"velocityMultiple is a whole number from 0 (off) to {MaxMultiple}, or null for the configured default.");
        if ((e1 ?? e2 ?? e3 ?? e4 ?? e5) is { } error)
        {
            return (null, error);
        }

        return (new SpendControlChanges(maxRequest, maxTokens, concurrent, perHour, multiple,
            ClearMaxRequest: maxRequestUsd.ValueKind == JsonValueKind.Null,
            ClearMaxInputTokens: maxInputTokens.ValueKind == JsonValueKind.Null,
            ClearMaxConcurrent: maxConcurrent.ValueKind == JsonValueKind.Null,
            ClearVelocityPerHour: velocityUsdPerHour.ValueKind == JsonValueKind.Null,
            ClearVelocityMultiple: velocityMultiple.ValueKind == JsonValueKind.Null), null);
    }

    private static (long? Micros, string? Error) Usd(JsonElement value, bool allowZero, string rule)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (null, null);
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var usd) && (allowZero ? usd >= 0 : usd > 0) && usd <= MaxUsd && decimal.Round(usd, 6) == usd
            ? (Money.FromUsd(usd), null)
            : (null, rule);
    }

    private static (int? Value, string? Error) Whole(JsonElement value, int min, int max, string rule)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (null, null);
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max ? (n, null) : (null, rule);
    }
}
