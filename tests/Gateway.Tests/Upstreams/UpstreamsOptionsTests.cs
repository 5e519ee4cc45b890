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
        using var provider = Provider(settings);
        return provider.GetRequiredService<IOptions<UpstreamsOptions>>().Value;
    }

    private static RoutesOptions BindRoutes(params (string Key, string? Value)[] settings)
    {
        using var provider = Provider(settings);
        return provider.GetRequiredService<IOptions<RoutesOptions>>().Value;
    }

    private static ServiceProvider Provider((string Key, string? Value)[] settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(config);
        services.AddProxy();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Named_upstreams_and_routes_are_read_with_their_kinds_weights_and_aliases()
    {
        (string, string?)[] settings =
        [
            ("Gateway:Upstreams:azure-east:Kind", "AzureOpenAI"),
            ("Gateway:Upstreams:azure-east:BaseUrl", "https://east.openai.azure.com"),
            ("Gateway:Upstreams:azure-east:Auth", "EntraId"),
            ("Gateway:Upstreams:vllm:Kind", "OpenAICompatible"),
            ("Gateway:Upstreams:vllm:BaseUrl", "http://vllm:8000"),
            ("Gateway:Upstreams:vllm:Timeout", "00:00:20"),
            ("Gateway:Routes:gpt-4o:Aliases:0", "gpt-latest"),
            ("Gateway:Routes:gpt-4o:Deployments:0:Upstream", "azure-east"),
            ("Gateway:Routes:gpt-4o:Deployments:0:Deployment", "gpt4o-prod"),
            ("Gateway:Routes:gpt-4o:Deployments:0:Weight", "3"),
            ("Gateway:Routes:gpt-4o:Deployments:1:Upstream", "OpenAI"),
            ("Gateway:Routes:gpt-4o:Deployments:1:Priority", "1"),
            ("Gateway:Routes:llama:Model", "llama3:8b"),
            ("Gateway:Routes:llama:Deployments:0:Upstream", "vllm"),
        ];

        var upstreams = Bind(settings);
        var routes = BindRoutes(settings);

        Assert.Equal(["OpenAI", "Anthropic", "azure-east", "vllm"], upstreams.All.Select(u => u.Key));
        Assert.Equal((UpstreamKind.AzureOpenAI, UpstreamAuth.EntraId, UpstreamOptions.DefaultAzureApiVersion),
            (upstreams.Named["AZURE-EAST"].Kind, upstreams.Named["azure-east"].Auth, upstreams.Named["azure-east"].ApiVersion));
        Assert.Equal(TimeSpan.FromSeconds(20), upstreams.Named["vllm"].Timeout);
        var gpt = routes.Models["gpt-4o"];
        Assert.Equal(["gpt-latest"], gpt.Aliases);
        Assert.Equal([("azure-east", "gpt4o-prod", 3, 0), ("OpenAI", null, 1, 1)], gpt.Deployments.Select(d => (d.Upstream, d.Deployment, d.Weight, d.Priority)));
        Assert.Equal("llama3:8b", routes.Models["llama"].Model);
    }

    [Theory]
    [InlineData("Gateway:Routes:m:Deployments:0:Upstream", "nowhere", "Gateway:Routes:m:Deployments:0:Upstream 'nowhere' is not configured")]
    [InlineData("Gateway:Routes:m:Deployments:0:Weight", "-1", "Gateway:Routes:m:Deployments:0:Weight must be from 0 to 1000")]
    [InlineData("Gateway:Routes:m:Deployments:0:Deployment", "d1", "Gateway:Routes:m:Deployments:0:Deployment is for AzureOpenAI upstreams")]
    [InlineData("Gateway:Routes:m:Aliases:0", "gpt-4o", "Gateway:Routes:m: the name 'gpt-4o' is already taken by Gateway:Routes:gpt-4o")]
    [InlineData("Gateway:Routes:empty:Aliases:0", "e", "Gateway:Routes:empty:Deployments must name at least one deployment")]
    public void Bad_routes_fail_at_start_naming_the_setting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Routes:gpt-4o:Deployments:0:Upstream"] = "OpenAI",
            ["Gateway:Routes:m:Deployments:0:Upstream"] = "OpenAI",
            [key] = value,
        }.Select(s => (s.Key, s.Value)).ToArray();

        var failure = Assert.Throws<OptionsValidationException>(() => BindRoutes(settings));

        Assert.Contains(failure.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
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
    [InlineData("Gateway:Upstreams:mine:BaseUrl", "http://local:8000", "Gateway:Upstreams:mine:Kind must be set")]
    [InlineData("Gateway:Upstreams:Anthropic:Kind", "OpenAI", "Gateway:Upstreams:Anthropic:Kind must be Anthropic")]
    [InlineData("Gateway:Upstreams:OpenAI:Kind", "Anthropic", "Gateway:Upstreams:OpenAI:Kind must take OpenAI's format")]
    [InlineData("Gateway:Upstreams:OpenAI:BaseUrl", "https://api.example.com/?key=sk-secret", "Gateway:Upstreams:OpenAI:BaseUrl must have no query string or user info")]
    [InlineData("Gateway:Upstreams:OpenAI:Auth", "EntraId", "Gateway:Upstreams:OpenAI:Auth EntraId is for AzureOpenAI upstreams")]
    [InlineData("Gateway:Upstreams:OpenAI:Kind", "AzureOpenAI", null)]
    [InlineData("Gateway:Upstreams:OpenAI:ApiVersion", "latest", "Gateway:Upstreams:OpenAI:ApiVersion must be an Azure OpenAI data-plane version")]
    [InlineData("Gateway:Upstreams:OpenAI:Timeout", "00:00:00.001", "Gateway:Upstreams:OpenAI:Timeout must be from")]
    [InlineData("Gateway:Upstreams:OpenAI:CircuitBreaker:FailureRatio", "0", "Gateway:Upstreams:OpenAI:CircuitBreaker needs FailureRatio above 0")]
    [InlineData("Gateway:Upstreams:bad name:Kind", "OpenAI", "Gateway:Upstreams:bad name: an upstream's name is")]
    [InlineData("Gateway:Upstreams:OpenAI:ApiKey", "sk-with space", "Gateway:Upstreams:OpenAI:ApiKey must be visible ASCII without spaces (the configured value is not shown)")]
    public void Bad_settings_fail_at_start_naming_the_setting(string key, string value, string? expected)
    {
        if (expected is null)
        {
            // Valid alone: the row after it makes it invalid.
            Assert.NotNull(Bind((key, value)));
            return;
        }

        // An api-version is checked on Azure upstreams only.
        (string, string?)[] settings = key.EndsWith(":ApiVersion", StringComparison.Ordinal) ? [(key, value), ("Gateway:Upstreams:OpenAI:Kind", "AzureOpenAI")] : [(key, value)];
        var failure = Assert.Throws<OptionsValidationException>(() => Bind(settings));
        Assert.DoesNotContain(failure.Failures, f => f.Contains("sk-", StringComparison.Ordinal));

        Assert.Contains(failure.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }
}
