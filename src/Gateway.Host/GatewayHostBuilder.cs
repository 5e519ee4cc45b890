using System.Net;
using Azure.Data.Tables;
using Gateway.Frontend;
using Gateway.Frontend.Admin;
using Gateway.Frontend.Console;
using Gateway.Frontend.Health;
using Gateway.Frontend.Proxy;
using Gateway.Frontend.Telemetry;
using Gateway.Grains;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Storage.Metrics;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Gateway.Host;

/// <summary>Builds the gateway in any of its shapes; the program, the tests and the benchmark all start it here.</summary>
public static partial class GatewayHostBuilder
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root is the application folder, so appsettings.json is found wherever the process is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var shape = builder.AddGatewayDefaults();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseGatewayErrorBodies();
        if (shape != HostShape.Silo)
        {
            app.UseTrustedProxies();
        }

        app.MapHealthApi();
        // Every shape serves its own figures: a silo's are its grains' (spend, reservations, the journal's writes).
        app.MapMetricsApi();
        if (shape != HostShape.Silo)
        {
            app.UseProxyRequestDecoding();
            app.MapProxyApi();
            app.MapAdminApi();
            app.MapConsole();
        }

        return app;
    }

    /// <summary>Reads the shape, maps the friendly environment variables, and wires Orleans and storage.</summary>
    public static HostShape AddGatewayDefaults(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var friendly = new Dictionary<string, string?>();
        MapEnvironment(friendly, "GATEWAY_ADMIN_KEY", "Gateway:AdminKey");
        MapEnvironment(friendly, "GATEWAY_STORAGE", $"{StorageOptions.Section}:ConnectionString");
        MapEnvironment(friendly, "OPENAI_API_KEY", "Gateway:Upstreams:OpenAI:ApiKey");
        MapEnvironment(friendly, "ANTHROPIC_API_KEY", "Gateway:Upstreams:Anthropic:ApiKey");
        // Environment first, so settings given on the command line or in Gateway__* variables still win.
        config.Sources.Insert(Math.Max(0, config.Sources.Count - 1), new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = friendly });

        var shapeText = config["role"] ?? config["Gateway:Role"] ?? Environment.GetEnvironmentVariable("GATEWAY_ROLE") ?? "all";
        var shape = shapeText.ToLowerInvariant() switch
        {
            "all" or "all-in-one" => HostShape.AllInOne,
            "silo" => HostShape.Silo,
            "frontend" or "front-end" => HostShape.Frontend,
            _ => throw new InvalidOperationException($"Unknown role '{shapeText}': use all, silo or frontend."),
        };

        var traces = builder.AddGatewayTelemetry(shape);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        builder.Services.AddOptions<GatewayClusterOptions>().BindConfiguration(GatewayClusterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Gateway.Grains.Keys.KeyGrainOptions>().BindConfiguration(Gateway.Grains.Keys.KeyGrainOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<Gateway.Grains.Keys.KeyGrainOptions>, TimeoutsValidator>();
        builder.Services.AddSingleton<GatewayTables>();

        var storage = config.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var cluster = config.GetSection(GatewayClusterOptions.Section).Get<GatewayClusterOptions>() ?? new GatewayClusterOptions();
        // The dashboard's grains and grain-call profiler run on the silos; a front-end's client only asks them.
        var dashboard = config.GetValue($"{ConsoleOptions.Section}:{nameof(ConsoleOptions.Dashboard)}", new ConsoleOptions().Dashboard);
        if (shape == HostShape.Frontend)
        {
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
                if (traces)
                {
                    // A grain call carries the request's trace context, so the key grain's span is the request's child.
                    client.AddActivityPropagation();
                }

                if (dashboard)
                {
                    client.AddDashboard(HideLogStream);
                }

                client.UseAzureStorageClustering(o =>
                {
                    o.TableServiceClient = OrleansTables(storage);
                    o.TableName = storage.MembershipTable;
                });
            });
        }
        else
        {
            builder.UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
                if (traces)
                {
                    silo.AddActivityPropagation();
                }

                if (dashboard)
                {
                    silo.AddDashboard(HideLogStream);
                }

                silo.UseAzureStorageClustering(o =>
                {
                    o.TableServiceClient = OrleansTables(storage);
                    o.TableName = storage.MembershipTable;
                });
                silo.AddAzureTableGrainStorage("keys", o =>
                {
                    o.TableServiceClient = OrleansTables(storage);
                    o.TableName = storage.GrainStateTable;
                });
                // Failure detection can be tuned per deployment (tests shorten it to seconds).
                silo.Configure<ClusterMembershipOptions>(config.GetSection($"{GatewayClusterOptions.Section}:Membership"));
                if (cluster.AdvertisesHostAddress)
                {
                    // In a container the address is the replica's own, known only once it runs: Orleans looks it up.
                    silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }
                else
                {
                    silo.ConfigureEndpoints(IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
                }
            });
            builder.Services.AddGatewayGrains();
        }

        if (shape != HostShape.Silo)
        {
            builder.Services.AddProxy();
        }
        else
        {
            // A silo serves no admin API, but its /metrics is read with an admin key like a front-end's.
            builder.Services.AddAdminAuthentication();
        }

        return shape;
    }

    /// <summary>The dashboard's live log stream is off: logs are for the log pipeline and its access rules, not a page.</summary>
    private static void HideLogStream(DashboardOptions options) => options.HideTrace = true;

    /// <summary>
    /// A client for Orleans' membership and grain-state tables, in the main account: by connection
    /// string or, given <see cref="StorageOptions.TableEndpoint"/>, by managed identity, like the
    /// gateway's own tables. Orleans asks for it when it starts, after the options validator has
    /// refused a setting that does not parse, with a message that names it.
    /// </summary>
    internal static TableServiceClient OrleansTables(StorageOptions storage)
    {
        var account = storage.MainAccount;
        return account.CreateClient(new TableClientOptions().WithTransactionCounting(account.MetricsName));
    }

    private static void MapEnvironment(Dictionary<string, string?> target, string variable, string key)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            target[key] = value;
        }
    }
}
