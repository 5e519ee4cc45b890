using Gateway.Storage.Admin;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Grains.Alerts;

public static class AlertsServiceCollectionExtensions
{
    /// <summary>Budget alerts: options (validated at start-up), the dispatcher as <see cref="IBudgetAlertSink"/> and hosted service, its HTTP client.</summary>
    public static IServiceCollection AddBudgetAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>()
            .BindConfiguration(AlertOptions.Section)
            .Configure<IConfiguration>((options, config) =>
            {
                // The binder appends configured array items to the default [50, 80, 100]: a configured list replaces it instead.
                if (config.GetSection($"{AlertOptions.Section}:{nameof(AlertOptions.Thresholds)}").Get<int[]>() is { Length: > 0 } thresholds)
                {
                    options.Thresholds = thresholds;
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddAuditChain();
        services.TryAddSingleton<AdminAuditLog>();
        services.AddMetrics();
        // No request logging: the handler loggers would write the URL, which is a secret.
        services.AddHttpClient(BudgetAlertDispatcher.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        services.TryAddSingleton<BudgetAlertDispatcher>();
        services.TryAddSingleton<BudgetAlerts>();
        services.TryAddSingleton<IBudgetAlertSink>(sp => sp.GetRequiredService<BudgetAlertDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<BudgetAlertDispatcher>());
        return services;
    }
}
