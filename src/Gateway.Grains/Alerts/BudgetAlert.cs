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
    [property: Id(11)] bool Refusing = false)
{
    public const string KeyScope = "key";
    public const string UserScope = "user";
    public const string TeamScope = "team";

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
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
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
