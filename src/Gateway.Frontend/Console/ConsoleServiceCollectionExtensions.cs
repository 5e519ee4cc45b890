using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Console;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>Console sessions, and the Data Protection key ring every front-end shares through Table Storage.</summary>
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton<TableXmlRepository>();
        // One application name across the fleet: Data Protection isolates by it, and the content
        // root (its default) differs between machines.
        services.AddDataProtection().SetApplicationName("gateway-console");
        services.AddOptions<KeyManagementOptions>().Configure<TableXmlRepository>((options, repository) => options.XmlRepository = repository);
        services.AddSingleton<ConsoleSessions>();
        return services;
    }
}
