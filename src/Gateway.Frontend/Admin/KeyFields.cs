using System.Text.Json;
using Gateway.Core;

namespace Gateway.Frontend.Admin;

/// <summary>
/// The fields of a key the admin API accepts, checked alike on <c>POST /admin/v1/keys</c> and on
/// <c>PATCH /admin/v1/keys/{keyId}</c>: name, cap, models, expiry, rpm, tpm, period. Each problem is a
/// message naming the field; no .NET type names.
/// </summary>
public static class KeyFields
{
    public const long MaxCapMicros = 1_000_000 * Money.MicrosPerDollar;
    public const int MaxNameLength = 64;

    private static readonly string CapRule = $"capUsd is a number of USD from 0 to {MaxCapMicros / Money.MicrosPerDollar} (such as 20 or 12.5, not text in quotes).";

    /// <summary>Null when a new key's fields are acceptable, else why not.</summary>
    public static string? Check(CreateKeyRequest request, DateTimeOffset now)
    {
        if (request.CapUsd is not { } capUsd)
        {
            return "capUsd is required: the most this key may spend, in USD.";
        }

        if (capUsd < 0 || capUsd > MaxCapMicros / Money.MicrosPerDollar)
        {
            return CapRule;
        }

        if (request.Name is { } name && AdminText.Check("name", name, MaxNameLength) is { } badName)
        {
            return badName;
        }

        if (request.Models is { } models && KeyModels.Check(models) is { } badModels)
        {
            return badModels;
        }

        return CheckLimits(request.ExpiresAt, request.Rpm, request.Tpm, now) ?? Controls(request).Error;
    }

    /// <summary>A new key's spend controls (null when none are given), or why they can't be.</summary>
    public static (SpendControls? Controls, string? Error) Controls(CreateKeyRequest request)
    {
        var (changes, error) = SpendControlFields.Parse(SpendControlFields.Level.Key, request.MaxRequestUsd, request.MaxInputTokens, request.MaxConcurrent,
            request.VelocityUsdPerHour, request.VelocityMultiple);
        return changes is null ? (null, error) : (changes.IsEmpty ? null : changes.ApplyTo(null), null);
    }

    /// <summary>A PATCH body as the key's grain takes it, or why it can't be.</summary>
    public static (KeyChanges? Changes, string? Error) Parse(UpdateKeyRequest request, DateTimeOffset now)
    {
        string? name = null;
        if (request.Name.ValueKind != JsonValueKind.Undefined)
        {
            if (request.Name.ValueKind != JsonValueKind.String)
            {
                return (null, $"name is a string of 1 to {MaxNameLength} characters.");
            }

            name = request.Name.GetString()!;
            if (AdminText.Check("name", name, MaxNameLength) is { } badName)
            {
                return (null, badName);
            }
        }

        long? cap = null;
        if (request.CapUsd.ValueKind != JsonValueKind.Undefined)
        {
            if (request.CapUsd.ValueKind != JsonValueKind.Number || !request.CapUsd.TryGetDecimal(out var usd) || usd < 0 || usd > MaxCapMicros / Money.MicrosPerDollar)
            {
                return (null, CapRule);
            }

            cap = Money.FromUsd(usd);
        }

        var (models, modelsError) = ParseModels(request.Models);
        if (modelsError is not null)
        {
            return (null, modelsError);
        }

        var (expiresAt, expiresError) = Optional<DateTimeOffset>(request.ExpiresAt, "expiresAt is an ISO-8601 date-time string such as \"2027-01-01T00:00:00Z\", or null to remove the expiry.",
            e => e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var v) ? v : (DateTimeOffset?)null);
        var (rpm, rpmError) = Optional<int>(request.Rpm, "rpm is a whole number of at least 1, or null for no limit.",
            e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) ? v : (int?)null);
        var (tpm, tpmError) = Optional<long>(request.Tpm, "tpm is a whole number of at least 1, or null for no limit.",
            e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v : (long?)null);
        if ((expiresError ?? rpmError ?? tpmError) is { } typeError)
        {
            return (null, typeError);
        }

        BudgetPeriod? period = null;
        if (request.Period.ValueKind != JsonValueKind.Undefined)
        {
            if (request.Period.ValueKind != JsonValueKind.String || !BudgetPeriods.TryParse(request.Period.GetString(), out var parsed))
            {
                return (null, "period is one of \"none\", \"daily\", \"weekly\", \"monthly\".");
            }

            period = parsed;
        }

        if (CheckLimits(expiresAt, rpm, tpm, now) is { } badLimit)
        {
            return (null, badLimit);
        }

        var (controls, controlsError) = SpendControlFields.Parse(SpendControlFields.Level.Key, request.MaxRequestUsd, request.MaxInputTokens, request.MaxConcurrent,
            request.VelocityUsdPerHour, request.VelocityMultiple);
        if (controls is null)
        {
            return (null, controlsError);
        }

        return (new KeyChanges(name, cap, models, expiresAt, rpm, tpm,
            ClearExpiry: request.ExpiresAt.ValueKind == JsonValueKind.Null,
            ClearRpm: request.Rpm.ValueKind == JsonValueKind.Null,
            ClearTpm: request.Tpm.ValueKind == JsonValueKind.Null,
            Period: period,
            Controls: controls.IsEmpty ? null : controls), null);
    }

    private static (IReadOnlyList<string>? Models, string? Error) ParseModels(JsonElement models)
    {
        if (models.ValueKind == JsonValueKind.Undefined)
        {
            return (null, null);
        }

        if (models.ValueKind != JsonValueKind.Array)
        {
            return (null, "models is an array of model patterns, such as [\"gpt-4o*\", \"claude-sonnet-4\"].");
        }

        if (models.GetArrayLength() > KeyModels.MaxPatterns)
        {
            return (null, $"models holds at most {KeyModels.MaxPatterns} patterns; got {models.GetArrayLength()}.");
        }

        var list = models.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString() : null).ToList();

        return KeyModels.Check(list) is { } error ? (null, error) : (list!, null);
    }

    /// <summary>A field that may be absent (unchanged), null (removed) or a value; the value, or the rule when it is neither.</summary>
    private static (T? Value, string? Error) Optional<T>(JsonElement element, string rule, Func<JsonElement, T?> read)
        where T : struct =>
        element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? (null, null)
        : read(element) is { } value ? (value, null)
        : (null, rule);

    private static string? CheckLimits(DateTimeOffset? expiresAt, int? rpm, long? tpm, DateTimeOffset now)
    {
        if (expiresAt is { } expiry && expiry <= now)
        {
            return $"expiresAt must be in the future; {expiry:O} has passed.";
        }

        return rpm is < 1 || tpm is < 1
            ? "rpm and tpm must be at least 1 (leave them out, or set null on an update, for no limit)."
            : null;
    }
}
