using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Storage.Audit;

public static class AuditChainServiceCollectionExtensions
{
    /// <summary>The audit chain key, from <see cref="AuditChainOptions"/>; a bad setting fails start-up.</summary>
    public static IServiceCollection AddAuditChain(this IServiceCollection services)
    {
        services.AddOptions<AuditChainOptions>().BindConfiguration(AuditChainOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditChainOptions>, AuditChainOptionsValidator>());
        services.TryAddSingleton(sp => AuditChainKeySource.Load(
            sp.GetRequiredService<IOptions<AuditChainOptions>>(),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(typeof(AuditChainKey).FullName!)));
        return services;
    }
}
