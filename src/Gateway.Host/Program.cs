using Gateway.Host;
using Gateway.Storage;

var app = GatewayHostBuilder.Build(args);
try
{
    await app.PrepareStorageAsync();
}
catch (StorageLayoutException ex)
{
    // A configuration that would not find the deployment's rows: said plainly, and no serving.
    StoragePreparation.LogLayoutRefused(app.Logger, ex.Message);
    return StoragePreparation.LayoutRefusedExitCode;
}

await app.RunAsync();
return 0;
