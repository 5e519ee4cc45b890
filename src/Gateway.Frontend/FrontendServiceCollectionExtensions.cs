using Gateway.Core.Tokenization;
using Gateway.Frontend.Admin;
using Gateway.Frontend.Console;
using Gateway.Frontend.Pricing;
using Gateway.Frontend.Proxy;
using Gateway.Frontend.Upstreams;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Storage.Audit;
using Gateway.Storage.Content;
using Gateway.Storage.Pricing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend;

public static class FrontendServiceCollectionExtensions
{
    /// <summary>The proxy, the admin API and what they need; the Orleans client or co-hosted silo comes from the host.</summary>
    public static IServiceCollection AddProxy(this IServiceCollection services)
    {
        services.AddOptions<FrontendOptions>().BindConfiguration(FrontendOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<FrontendOptions>, FrontendOptionsValidator>();
        services.AddOptions<UpstreamsOptions>().BindConfiguration(UpstreamsOptions.Section)
            .Configure<IConfiguration>((options, config) =>
            {
                // The binder appends configured items to the default lists: a configured list replaces them instead.
                ReplaceBetas(config, "OpenAI", options.OpenAI);
                ReplaceBetas(config, "Anthropic", options.Anthropic);
                BindNamed(config, options);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<UpstreamsOptions>, UpstreamsOptionsValidator>();
        services.AddOptions<RoutesOptions>()
            .Configure<IConfiguration>((options, config) => config.GetSection(RoutesOptions.Section).Bind(options.Models))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutesOptions>, RoutesOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayTables>();
        services.AddAdminAuthentication();
        services.TryAddSingleton<ContentStore>();
        services.TryAddSingleton<Gateway.Storage.Journal.JournalShards>();
        services.TryAddSingleton<AuditLedger>();
        services.TryAddSingleton<UsageRollups>();
        services.TryAddSingleton<Gateway.Storage.Journal.JournalBacklog>();
        services.TryAddSingleton<Gateway.Storage.Metrics.StorageLatencyWindow>();
        services.TryAddSingleton<LedgerPager>();
        services.TryAddSingleton<AuditContinuation>();
        services.AddOptions<AuditQueryOptions>().BindConfiguration(AuditQueryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PriceOptions>().BindConfiguration(PriceOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PriceOptions>, PriceOptionsValidator>();
        services.TryAddSingleton<PriceStore>();
        services.AddSingleton<PriceCatalog>();
        services.AddHostedService<PriceRefresher>();
        services.AddSingleton<PromptTokenCounter>();
        services.AddSingleton<CostEstimator>();
        services.AddSingleton<AuthFailureGuard>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthFailureGuard>());
        services.AddSingleton<EntraTokenSource>();
        services.AddSingleton<UpstreamRouter>();
        services.AddSingleton<KeyCallRetries>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyCallRetries>());
        services.AddSingleton<ProxyHandler>();
        services.AddHttpForwarder();
        // gzip, deflate and br request bodies; applied to the proxy routes by UseProxyRequestDecoding().
        services.AddRequestDecompression();
        return services;
    }

    /// <summary>
    /// Who may call an admin route: admin keys (and console sessions) checked against the main
    /// account's admin keys, failures counted per address and audited. A front-end has it with the
    /// admin API; a silo has it for its <c>/metrics</c> alone.
    /// </summary>
    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(AdminAuthorizationFilter)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayTables>();
        services.AddAuditChain();
        services.TryAddSingleton<AdminKeyStore>();
        services.TryAddSingleton<AdminAuditLog>();
        services.AddOptions<AdminAuthOptions>().BindConfiguration(AdminAuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminAuthOptions>, AdminAuthOptionsValidator>();
        services.TryAddSingleton<AdminAuthFailures>();
        services.AddSingleton<AdminAuthorizationFilter>();
        services.AddConsole();
        return services;
    }

    /// <summary>Every child of <c>Gateway:Upstreams</c> but the two defaults is a named upstream.</summary>
    private static void BindNamed(IConfiguration config, UpstreamsOptions options)
    {
        foreach (var child in config.GetSection(UpstreamsOptions.Section).GetChildren())
        {
            if (string.Equals(child.Key, nameof(UpstreamsOptions.OpenAI), StringComparison.OrdinalIgnoreCase)
                || string.Equals(child.Key, nameof(UpstreamsOptions.Anthropic), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var upstream = new UpstreamOptions();
            child.Bind(upstream);
            options.Named[child.Key] = upstream;
        }
    }

    /// <summary>
    /// A configured <c>AllowedBetas</c> replaces the default: as items (<c>AllowedBetas:0</c>, …) or as
    /// one comma-separated value (handy in an environment variable); an empty value allows none.
    /// </summary>
    private static void ReplaceBetas(IConfiguration config, string upstream, UpstreamOptions options)
    {
        var section = config.GetSection($"{UpstreamsOptions.Section}:{upstream}:{nameof(UpstreamOptions.AllowedBetas)}");
        if (section.Value is { } commaSeparated)
        {
            options.AllowedBetas = commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        else if (section.GetChildren().Select(c => c.Value).OfType<string>().ToArray() is { Length: > 0 } items)
        {
            options.AllowedBetas = items;
        }
    }
}
