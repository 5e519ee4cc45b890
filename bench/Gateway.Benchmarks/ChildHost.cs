using System.Net;
using Gateway.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Gateway.Benchmarks;

/// <summary>
/// This program started again as the proxy under test (<c>serve-gateway</c> or <c>serve-forwarder</c>),
/// so that the proxy's CPU time and memory can be read from /proc apart from the load generator's.
/// It prints <c>listening URL</c> once it serves, and stops when its standard input closes (the
/// benchmark finished or died) or on SIGTERM.
/// </summary>
internal static class ChildHost
{
    public const string ServeGateway = "serve-gateway";
    public const string ServeForwarder = "serve-forwarder";
    public const string ListeningPrefix = "listening ";

    /// <summary>Where the gateway under test answers with its storage counters (see <see cref="StorageCounters"/>).</summary>
    public const string StorageCountsPath = "/bench/storage";

    /// <summary>Where the gateway under test starts collecting its intents' commit waits (<c>?start=true</c>), or hands them over and stops.</summary>
    public const string IntentWaitsPath = "/bench/intent-waits";

    /// <summary>Where either proxy answers with the JIT's work so far and its allocations and collections (<see cref="RuntimeCount"/>), so warm-up can run until it has settled.</summary>
    public const string RuntimePath = "/bench/runtime";

    /// <summary>A silo's client gateway port when it is not the one it advertises (<c>Gateway:Cluster:GatewayPort</c>).</summary>
    public const string GatewayListenPortSetting = "Bench:GatewayListenPort";

    public static bool IsChild(string[] args) => args.Length > 0 && args[0] is ServeGateway or ServeForwarder;

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        if (args[0] == ServeGateway)
        {
            var counters = new StorageCounters();
            app = GatewayHostBuilder.Build(args[1..], builder =>
            {
                builder.Services.AddSingleton(counters);
                // The regions run (RegionsRun) puts a delaying relay on the gateway port the silo
                // advertises, so the silo listens on another: Orleans' own split for NAT and containers.
                if (builder.Configuration[GatewayListenPortSetting] is { Length: > 0 } listen)
                {
                    var port = int.Parse(listen, System.Globalization.CultureInfo.InvariantCulture);
                    builder.Services.PostConfigure<EndpointOptions>(o => o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Loopback, port));
                }
            });
            var prefix = app.Configuration["Gateway:Storage:TablePrefix"] ?? "";
            app.MapGet(StorageCountsPath, () => TypedResults.Ok(counters.Read(prefix)));
            app.MapGet(IntentWaitsPath, (bool? start) => TypedResults.Ok(counters.TakeIntentWaits(start == true)));
            await app.PrepareStorageAsync();
        }
        else
        {
            app = BareForwarder.Build(args[1..]);
        }

        app.MapGet(RuntimePath, () => TypedResults.Ok(RuntimeCount.Now()));
        await using (app)
        {
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            await Console.Out.WriteLineAsync(ListeningPrefix + address);
            await Console.Out.FlushAsync();

            var stopping = new TaskCompletionSource();
            using var registration = app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
            var inputClosed = Task.Run(async () =>
            {
                while (await Console.In.ReadLineAsync() is not null)
                {
                }
            });
            await Task.WhenAny(inputClosed, stopping.Task);
            await app.StopAsync();
        }

        return 0;
    }
}
