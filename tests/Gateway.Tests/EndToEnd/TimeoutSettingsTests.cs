using Gateway.Host;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>Timeouts that contradict each other stop the gateway at start-up with a message naming them, in every shape.</summary>
public sealed class TimeoutSettingsTests
{
    [Theory]
    [InlineData("frontend", "Gateway:Frontend:RequestTimeout", "00:20:00", "MaxRequestDuration")]
    [InlineData("silo", "Gateway:Keys:MaxRequestDuration", "00:01:00", "RequestTimeout")]
    [InlineData("all", "Gateway:Keys:IntentWriteTimeout", "00:00:45", "IntentWriteTimeout")]
    [InlineData("frontend", "Gateway:Keys:IntentWriteTimeout", "00:00:00", "IntentWriteTimeout")]
    public async Task Contradicting_timeouts_fail_at_start_up(string role, string setting, string value, string named)
    {
        var prefix = TestStorage.NewPrefix();
        var settings = new GatewaySettings(prefix, "timeouts-" + prefix, "http://127.0.0.1:9")
        {
            Role = role,
            Extra = new Dictionary<string, string> { [setting] = value },
        };
        await using var app = GatewayHostBuilder.Build(settings.ToArgs());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }
}
