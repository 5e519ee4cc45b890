using System.Globalization;
using System.Text.Json;
using Gateway.Core;

namespace Gateway.Grains.Alerts;

/// <summary>
/// A key, user or team reached a share of its spending cap. <see cref="ThresholdPercent"/> is the
/// threshold that was crossed, not the exact share spent, so messages read the same as the config.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.Grains.BudgetAlert")]
public sealed record BudgetAlert(
    [property: Id(0)] string Scope,
    [property: Id(1)] string ScopeId,
    [property: Id(2)] string? UserId,
    [property: Id(3)] string? TeamId,
    [property: Id(4)] int ThresholdPercent,
    [property: Id(5)] long CapMicros,
    [property: Id(6)] long SpentMicros,
    [property: Id(7)] BudgetPeriod Period,
    [property: Id(8)] DateTimeOffset? PeriodStart,
    [property: Id(9)] DateTimeOffset? PeriodEnd,
    [property: Id(10)] DateTimeOffset At,
    [property: Id(11)] bool Refusing = false,
    [property: Id(12)] VelocitySpike? Velocity = null)
{
    public const string KeyScope = "key";
    public const string UserScope = "user";
    public const string TeamScope = "team";

    public const string ThresholdAction = "budget.threshold";
    public const string VelocityAction = "budget.velocity";

    /// <summary>The admin audit's action: a share of the cap reached, or spend that rose too fast.</summary>
    public string AuditAction => Velocity is null ? ThresholdAction : VelocityAction;

    /// <summary>What the alert is about, as the admin audit names targets: <c>user:bea</c>.</summary>
    public string Target => $"{Scope}:{ScopeId}";

    /// <summary>
    /// One sentence for people, e.g. "Budget alert: user bea has spent $4.02 of its $5.00 daily cap
    /// (80%); the period resets 2026-11-28 00:00 UTC." <see cref="Refusing"/>: the cap refused a
    /// request before spend reached it (what is left is less than a request may cost).
    /// </summary>
    public string ToMessage()
    {
        var subject = Scope == KeyScope && UserId is { Length: > 0 } owner ? $"key {ScopeId} (user {owner})" : $"{Scope} {ScopeId}";
        if (Velocity is { } v)
        {
            return VelocityMessage(subject, v);
        }

        var cap = Period == BudgetPeriod.None ? "cap" : $"{BudgetPeriods.Name(Period)} cap";
        var message = string.Create(CultureInfo.InvariantCulture,
            $"Budget alert: {subject} has spent ${Money.ToUsd(SpentMicros)} of its ${Money.ToUsd(CapMicros)} {cap} ({ThresholdPercent}%)");
        if (Refusing)
        {
            message += "; requests that would pass the cap are now refused";
        }

        return Period != BudgetPeriod.None && PeriodEnd is { } end
            ? string.Create(CultureInfo.InvariantCulture, $"{message}; the period resets {end.UtcDateTime:yyyy-MM-dd HH:mm} UTC.")
            : message + ".";
    }

    /// <summary>The alert as JSON for the admin audit's <c>After</c> column: micro-dollars plus USD strings.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("scope", Scope);
            json.WriteString("scopeId", ScopeId);
            json.WriteString("userId", UserId);
            json.WriteString("teamId", TeamId);
            json.WriteNumber("thresholdPercent", ThresholdPercent);
            json.WriteNumber("capMicros", CapMicros);
            json.WriteString("capUsd", Money.ToUsd(CapMicros));
            json.WriteNumber("spentMicros", SpentMicros);
            json.WriteString("spentUsd", Money.ToUsd(SpentMicros));
            json.WriteString("period", BudgetPeriods.Name(Period));
            WriteTime(json, "periodStart", PeriodStart);
            WriteTime(json, "periodEnd", PeriodEnd);
            WriteTime(json, "at", At);
            if (Velocity is { } v)
            {
                json.WriteNumber("windowMinutes", (long)v.Window.TotalMinutes);
                json.WriteNumber("windowSpentMicros", v.WindowMicros);
                json.WriteString("windowSpentUsd", Money.ToUsd(v.WindowMicros));
                json.WriteNumber("normalWindowMicros", v.NormalMicros);
                json.WriteString("normalWindowUsd", Money.ToUsd(v.NormalMicros));
                if (v.LimitMicrosPerHour is { } limit)
                {
                    json.WriteString("limitUsdPerHour", Money.ToUsd(limit));
                }

                if (v.Multiple is { } multiple)
                {
                    json.WriteNumber("multiple", multiple);
                }
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>"Velocity alert: key k1 (user bea) spent $3.10 in the last 10 minutes ($18.60 an hour), over its limit of $5.00 an hour."</summary>
    private static string VelocityMessage(string subject, VelocitySpike v)
    {
        var minutes = (long)v.Window.TotalMinutes;
        var perHour = v.WindowMicros * 60 / minutes;
        var reasons = new List<string>();
        if (v.LimitMicrosPerHour is { } limit)
        {
            reasons.Add($"over its limit of ${Money.ToUsd(limit)} an hour");
        }

        if (v.Multiple is { } multiple)
        {
            reasons.Add($"more than {multiple} times its normal ${Money.ToUsd(v.NormalMicros)} per {minutes} minutes");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"Velocity alert: {subject} spent ${Money.ToUsd(v.WindowMicros)} in the last {minutes} minutes (${Money.ToUsd(perHour)} an hour), {string.Join(" and ", reasons)}.");
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            json.WriteString(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
