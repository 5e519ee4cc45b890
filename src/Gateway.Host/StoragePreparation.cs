using Gateway.Frontend.Pricing;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Storage.Journal;

namespace Gateway.Host;

public static partial class StoragePreparation
{
    /// <summary>Where a generated admin key is written (mode 600) instead of the console; run.sh reads it from there.</summary>
    public const string AdminKeyFileSetting = "Gateway:AdminKeyFile";

    /// <summary>
    /// Creates the gateway's tables (in every account), refuses an account list that differs from the
    /// one the deployment's keys were placed on and a journal shard count that would leave rows unread, makes sure an admin key exists, and seeds and reads the
    /// prices table (front-ends), before the process
    /// starts serving or hosting grains, so nothing ever writes to a table that isn't there yet.
    /// </summary>
    public static async Task PrepareStorageAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var services = app.Services;
        var tables = services.GetRequiredService<GatewayTables>();
        await tables.EnsureCreatedAsync(cancellationToken);
        await new AccountLayout(tables).EnsureUnchangedAsync(cancellationToken);
        await new JournalLayout(tables, services.GetRequiredService<JournalShards>()).EnsureReadableAsync(cancellationToken);
        if (services.GetService<AdminKeyStore>() is { } adminKeys)
        {
            await EnsureAdminKeyAsync(app, adminKeys, cancellationToken);
        }

        if (services.GetService<PriceCatalog>() is { } prices)
        {
            // Seeded on the deployment's first start, then read: a front-end never serves without prices.
            await prices.PrepareAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A configured admin key is registered. Otherwise the first start generates one and shows it
    /// once, where only the operator sees it: in <see cref="AdminKeyFileSetting"/> when that is set,
    /// else on the console when the console is a terminal. Logs (and a console that is redirected,
    /// which is a log too) only ever get it masked. With neither, no key is generated at all: one that
    /// could only be shown in a log would be a secret in a log, or lost.
    /// </summary>
    private static async Task EnsureAdminKeyAsync(WebApplication app, AdminKeyStore adminKeys, CancellationToken cancellationToken)
    {
        var services = app.Services;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Host");
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var configured = app.Configuration["Gateway:AdminKey"];
        if (!string.IsNullOrEmpty(configured))
        {
            await adminKeys.EnsureBootstrapAsync(configured, now, cancellationToken);
            return;
        }

        var keyFile = app.Configuration[AdminKeyFileSetting] is { Length: > 0 } path ? Path.GetFullPath(path) : null;
        if (keyFile is null && Console.IsOutputRedirected)
        {
            if (!await adminKeys.IsBootstrappedAsync(cancellationToken))
            {
                LogNowhereToShow(logger, AdminKeyFileSetting);
            }

            return;
        }

        // The file is opened before the key is generated, so a key is never generated that cannot be handed over.
        await using var file = keyFile is null ? null : OpenPrivate(keyFile);
        var generated = await adminKeys.EnsureBootstrapAsync(null, now, cancellationToken);
        if (generated is null)
        {
            if (file is not null)
            {
                await file.DisposeAsync();
                File.Delete(keyFile!);
            }

            return;
        }

        if (file is not null)
        {
            await using (var writer = new StreamWriter(file))
            {
                await writer.WriteLineAsync(generated);
            }

            Console.WriteLine($"  Admin key {AdminKeyStore.Mask(generated)} generated; the key itself is in {keyFile} (mode 600). Only its hash is stored.");
            LogAdminKeyWritten(logger, AdminKeyStore.Mask(generated), keyFile!);
            return;
        }

        // Standard output is a terminal: the key is shown there once, never through the logging pipeline.
        Console.WriteLine();
        Console.WriteLine("  Admin key (shown once; only its hash is stored, so save it now):");
        Console.WriteLine($"    {generated}");
        Console.WriteLine();
        LogAdminKeyShown(logger, AdminKeyStore.Mask(generated));
    }

    private static FileStream OpenPrivate(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>The exit code of a start refused for its storage layout (<see cref="StorageLayoutException"/>): 78, configuration error (sysexits).</summary>
    public const int LayoutRefusedExitCode = 78;

    [LoggerMessage(Level = LogLevel.Critical, Message = "Refused to start: {Reason}")]
    public static partial void LogLayoutRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin key was configured, so {MaskedKey} was generated and shown once on the terminal")]
    private static partial void LogAdminKeyShown(ILogger logger, string maskedKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin key was configured, so {MaskedKey} was generated and written to {KeyFile}")]
    private static partial void LogAdminKeyWritten(ILogger logger, string maskedKey, string keyFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin key is configured and standard output is not a terminal, so none was generated (it could only have been shown in a log): set GATEWAY_ADMIN_KEY (Gateway:AdminKey), or {KeyFileSetting} to have one generated into a file")]
    private static partial void LogNowhereToShow(ILogger logger, string keyFileSetting);
}
