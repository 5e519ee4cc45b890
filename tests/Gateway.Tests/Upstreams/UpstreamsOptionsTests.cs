using Gateway.Frontend;
using Gateway.Frontend.Upstreams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Upstreams;

/// <summary>Upstream settings as <c>AddProxy()</c> binds and validates them.</summary>
public sealed class UpstreamsOptionsTests
{
    private static UpstreamsOptions Bind(params (string Key, string? Value)[] settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(config);
        services.AddProxy();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<UpstreamsOptions>>().Value;
    }

    [Fact]
    public void Defaults_allow_what_Claude_Code_sends_and_no_beta_billed_at_rates_the_price_table_lacks()
    {
        var options = Bind();

        // extended-cache-ttl: 1-hour cache writes, priced at cacheWrite1h and covered by the reservation.
        Assert.Equal(
            ["advanced-tool-use-2025-11-20", "claude-code-20250219", "context-management-2025-06-27", "effort-2025-11-24", "extended-cache-ttl-2025-04-11", "interleaved-thinking-2025-05-14",
                "mid-conversation-tool-changes-2026-07-01", "per-turn-control-2026-07-01", "thinking-token-count-2026-05-13"],
            options.Anthropic.AllowedBetas.Order(StringComparer.Ordinal));
        Assert.Equal(["assistants=v2"], options.OpenAI.AllowedBetas);
        Assert.Null(options.OpenAI.Organization);
        Assert.Null(options.OpenAI.Project);
    }

    [Fact]
    public void Configured_betas_replace_the_defaults()
    {
        var options = Bind(
            ("Gateway:Upstreams:Anthropic:AllowedBetas:0", "claude-code-20250219"),
            ("Gateway:Upstreams:Anthropic:AllowedBetas:1", "context-1m-2025-08-07"),
            ("Gateway:Upstreams:OpenAI:AllowedBetas", "assistants=v2, realtime=v1"));

        Assert.Equal(["claude-code-20250219", "context-1m-2025-08-07"], options.Anthropic.AllowedBetas);
        Assert.Equal(["assistants=v2", "realtime=v1"], options.OpenAI.AllowedBetas);
    }

    [Fact]
    public void An_empty_list_allows_no_beta()
    {
        var options = Bind(("Gateway:Upstreams:Anthropic:AllowedBetas", ""));

        Assert.Empty(options.Anthropic.AllowedBetas);
    }

    [Fact]
    public void Organization_and_project_are_read_for_OpenAI()
    {
        var options = Bind(("Gateway:Upstreams:OpenAI:Organization", "org-abc"), ("Gateway:Upstreams:OpenAI:Project", "proj_def"));

        Assert.Equal(("org-abc", "proj_def"), (options.OpenAI.Organization, options.OpenAI.Project));
    }

    [Theory]
    [InlineData("Gateway:Upstreams:Anthropic:Organization", "org-abc", "Gateway:Upstreams:Anthropic:Organization has no meaning for Anthropic")]
    [InlineData("Gateway:Upstreams:OpenAI:Project", "proj def", "Gateway:Upstreams:OpenAI:Project must be an id")]
    [InlineData("Gateway:Upstreams:OpenAI:Organization", "org\r\nX-Injected: 1", "Gateway:Upstreams:OpenAI:Organization must be an id")]
    [InlineData("Gateway:Upstreams:Anthropic:AllowedBetas:0", "two betas", "Gateway:Upstreams:Anthropic:AllowedBetas must hold one beta name per item")]
    public void Bad_settings_fail_at_start_naming_the_setting(string key, string value, string expected)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));

        Assert.Contains(failure.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }
}
