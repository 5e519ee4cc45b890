using Gateway.Host;

var app = GatewayHostBuilder.Build(args);
await app.PrepareStorageAsync();
await app.RunAsync();
