using Gateway.Storage;
using Gateway.Storage.Admin;

namespace Gateway.Host;

public static partial class StoragePreparation
{
    /// <summary>
    /// Creates the gateway's tables and makes sure an admin key exists, before the process starts
    /// serving or hosting grains, so nothing ever writes to a table that isn't there yet.
    /// </summary>
    public static async Task PrepareStorageAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var services = app.Services;
        await services.GetRequiredService<GatewayTables>().EnsureCreatedAsync(cancellationToken);
        if (services.GetService<AdminKeyStore>() is { } adminKeys)
        {
            var time = services.GetRequiredService<TimeProvider>();
            var generated = await adminKeys.EnsureBootstrapAsync(app.Configuration["Gateway:AdminKey"], time.GetUtcNow(), cancellationToken);
            if (generated is not null)
            {
                // Shown once, on the console only (never through the logging pipeline): only its hash is stored.
                Console.WriteLine();
                Console.WriteLine("  Admin key (shown once; only its hash is stored, so save it now):");
                Console.WriteLine($"    {generated}");
                Console.WriteLine();
                LogAdminKeyGenerated(services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Host"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin key was configured, so one was generated and printed once to the console")]
    private static partial void LogAdminKeyGenerated(ILogger logger);
}
