using System.Text.Json;
using Gateway.Grains.Alerts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Alerts;

/// <summary>The alert's message and JSON, and how its options are read and checked.</summary>
public sealed class BudgetAlertTests
{
    [Fact]
    public void Message_names_who_spent_what_of_which_cap_and_when_it_resets()
    {
        Assert.Equal(
            "Budget alert: user bea has spent $4.02 of its $5.00 daily cap (80%); the period resets 2026-11-28 00:00 UTC.",
            SampleAlerts.User("bea").ToMessage());

        var key = new BudgetAlert(BudgetAlert.KeyScope, "Q49zQdqqcNR3", "alice", null, 100, 20_000_000, 20_000_068, BudgetPeriod.None, null, null, SampleAlerts.Day);
        Assert.Equal("Budget alert: key Q49zQdqqcNR3 (user alice) has spent $20.000068 of its $20.00 cap (100%).", key.ToMessage());
    }

    [Fact]
    public void Json_carries_micro_dollars_and_usd()
    {
        var json = JsonDocument.Parse(SampleAlerts.User("bea").ToJson()).RootElement;

        Assert.Equal("user", json.GetProperty("scope").GetString());
        Assert.Equal("bea", json.GetProperty("scopeId").GetString());
        Assert.Equal(80, json.GetProperty("thresholdPercent").GetInt32());
        Assert.Equal(5_000_000, json.GetProperty("capMicros").GetInt64());
        Assert.Equal("4.02", json.GetProperty("spentUsd").GetString());
        Assert.Equal("daily", json.GetProperty("period").GetString());
        Assert.Equal(SampleAlerts.Day.AddDays(1), json.GetProperty("periodEnd").GetDateTimeOffset());
    }

    [Fact]
    public void Configured_thresholds_replace_the_defaults()
    {
        Assert.Equal([50, 80, 100], Options().Thresholds);
        Assert.Equal([90, 95], Options(("Gateway:Alerts:Thresholds:0", "90"), ("Gateway:Alerts:Thresholds:1", "95")).Thresholds);
    }

    [Fact]
    public void Bad_settings_fail_without_showing_the_webhook_url()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(
            ("Gateway:Alerts:WebhookUrl", "ftp://hooks.example/T0/B0/very-secret-token"),
            ("Gateway:Alerts:Thresholds:0", "80"),
            ("Gateway:Alerts:Thresholds:1", "50")));

        Assert.Contains("Gateway:Alerts:WebhookUrl", error.Message);
        Assert.Contains("Gateway:Alerts:Thresholds", error.Message);
        Assert.DoesNotContain("very-secret-token", error.Message);
    }

    private static AlertOptions Options(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(config).AddBudgetAlerts();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<AlertOptions>>().Value;
    }
}
