using Gateway.Simulator.Azure;
using Gateway.Simulator.Endpoints;
using Gateway.Simulator.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator;

/// <summary>
/// Builds the fake OpenAI/Anthropic provider. Local runs, gateway tests and benchmarks point at it
/// instead of the hosted APIs: answers are deterministic, usage is exact, and faults are on demand.
/// </summary>
public static class SimulatorApp
{
    public const int DefaultPort = 8090;

    /// <summary>Builds, but does not start, the simulator.</summary>
    /// <param name="args">
    /// Command-line configuration, e.g. <c>--urls http://127.0.0.1:0</c> for a random port or
    /// <c>--Simulator:ApiKey sk-test</c>. Without any URL setting it listens on 127.0.0.1:8090,
    /// or on the port in <c>SIMULATOR_PORT</c>.
    /// </param>
    /// <param name="configure">Applied after the "Simulator" configuration section, so it wins.</param>
    public static WebApplication Build(string[] args, Action<SimulatorOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SimulatorApp).Assembly.GetName().Name,
        });

        // Per-request logging would dominate a benchmark; these defaults sit first so any configuration overrides them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            },
        });

        if (!HasConfiguredUrls(builder.Configuration))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{PortFrom(builder.Configuration)}");
        }

        builder.Services.AddOptions<SimulatorOptions>()
            .Configure(o => BindSection(builder.Configuration.GetSection(SimulatorOptions.Section), o))
            .Configure(o => configure?.Invoke(o))
            .Validate(
                o => o.DefaultCompletionTokens >= 0 && o.LatencyMs >= 0 && o.ChunkDelayMs >= 0 && o.TokensPerChunk >= 1 && o.DefaultEmbeddingDimensions >= 1
                    && o.RecordedRequests >= 0 && o.RecordedBodyBytes >= 0,
                "Simulator delays, token counts and recording sizes must not be negative, and TokensPerChunk and DefaultEmbeddingDimensions must be at least 1.")
            .Validate(
                o => !string.IsNullOrEmpty(o.IdentityHeader) && !string.IsNullOrEmpty(o.ManagedIdentityClientId) && o.ManagedIdentityTokenLifetimeSeconds >= 1,
                "Simulator:IdentityHeader and Simulator:ManagedIdentityClientId must be set, and Simulator:ManagedIdentityTokenLifetimeSeconds must be at least 1.")
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SimulatorStats>();
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        builder.Services.AddSingleton<ResponsesEndpoint>();
        builder.Services.AddSingleton<MessagesEndpoint>();
        builder.Services.AddSingleton<CompletionsEndpoint>();
        builder.Services.AddSingleton<EmbeddingsEndpoint>();
        builder.Services.AddSingleton<ModelsEndpoint>();
        builder.Services.AddSingleton<StatsEndpoint>();
        builder.Services.AddSingleton<RequestsEndpoint>();
        builder.Services.AddSingleton<ManagedIdentityTokens>();
        builder.Services.AddSingleton<ManagedIdentityEndpoint>();
        builder.Services.AddSingleton<RequestAuthenticator>();

        var app = builder.Build();

        // Fault prefixes come off the path before routing, so the rest routes as if they were not there.
        app.Use(async (context, next) =>
        {
            // Requests at once, for tests of concurrency limits in front of the simulator.
            if (context.Request.Path.StartsWithSegments("/sim"))
            {
                await next(context);
                return;
            }

            var stats = context.RequestServices.GetRequiredService<SimulatorStats>();
            stats.Entered();
            try
            {
                await next(context);
            }
            finally
            {
                stats.Left();
            }
        });
        app.UseMiddleware<FaultPrefixMiddleware>();
        app.UseRouting();
        app.UseMiddleware<SimulatorMiddleware>();

        app.MapPost("/v1/chat/completions", context => Endpoint<ChatCompletionsEndpoint>(context).HandleAsync(context));
        app.MapPost("/v1/responses", context => Endpoint<ResponsesEndpoint>(context).HandleAsync(context));
        app.MapPost("/v1/messages", context => Endpoint<MessagesEndpoint>(context).HandleAsync(context));
        app.MapPost("/v1/messages/count_tokens", context => Endpoint<MessagesEndpoint>(context).CountTokensAsync(context));
        app.MapPost("/v1/completions", context => Endpoint<CompletionsEndpoint>(context).HandleAsync(context));
        app.MapPost("/v1/embeddings", context => Endpoint<EmbeddingsEndpoint>(context).HandleAsync(context));
        app.MapGet("/v1/models", context => Endpoint<ModelsEndpoint>(context).ListAsync(context));
        app.MapGet("/v1/models/{id}", context => Endpoint<ModelsEndpoint>(context).GetAsync(context));
        MapAzureOpenAi(app);
        app.MapGet(ManagedIdentityEndpoint.TokenPath, context => Endpoint<ManagedIdentityEndpoint>(context).GetTokenAsync(context));
        app.MapGet("/sim/stats", context => Endpoint<StatsEndpoint>(context).GetAsync(context));
        app.MapPost("/sim/stats/reset", context => Endpoint<StatsEndpoint>(context).ResetAsync(context));
        app.MapGet("/sim/requests", context => Endpoint<RequestsEndpoint>(context).ListAsync(context));
        app.MapGet("/sim/requests/last", context => Endpoint<RequestsEndpoint>(context).LastAsync(context));
        app.MapPost("/sim/requests/reset", context => Endpoint<RequestsEndpoint>(context).ResetAsync(context));
        app.MapGet("/health", context => context.Response.WriteAsync("ok", context.RequestAborted));
        app.MapFallback(context => ProviderErrors.FormatOf(context.Request) is var format && format == ProviderFormat.Azure
            ? ProviderErrors.WriteAzureAsync(context, StatusCodes.Status404NotFound, "404", ProviderErrors.ResourceNotFound)
            : ProviderErrors.WriteAsync(context, format, StatusCodes.Status404NotFound, $"Invalid URL ({context.Request.Method} {context.Request.Path})"));

        app.Lifetime.ApplicationStarted.Register(() => PrintAddresses(app));
        return app;
    }

    /// <summary>
    /// Azure OpenAI's data-plane URLs, served by the OpenAI endpoints: the classic deployment shape
    /// (needs <c>api-version</c>), the Responses API, and the v1 GA shape (the body's model names the deployment).
    /// </summary>
    private static void MapAzureOpenAi(WebApplication app)
    {
        // Azure allows letters, digits, '-', '_' and '.' in deployment names.
        const string Deployment = "/openai/deployments/{deployment:regex(^[A-Za-z0-9._-]+$)}";
        app.MapPost($"{Deployment}/chat/completions", context => Endpoint<ChatCompletionsEndpoint>(context).HandleAsync(context));
        app.MapPost($"{Deployment}/completions", context => Endpoint<CompletionsEndpoint>(context).HandleAsync(context));
        app.MapPost($"{Deployment}/embeddings", context => Endpoint<EmbeddingsEndpoint>(context).HandleAsync(context));
        app.MapPost("/openai/responses", context => Endpoint<ResponsesEndpoint>(context).HandleAsync(context));
        app.MapPost("/openai/v1/chat/completions", context => Endpoint<ChatCompletionsEndpoint>(context).HandleAsync(context));
        app.MapPost("/openai/v1/responses", context => Endpoint<ResponsesEndpoint>(context).HandleAsync(context));
        app.MapPost("/openai/v1/embeddings", context => Endpoint<EmbeddingsEndpoint>(context).HandleAsync(context));
    }

    private static T Endpoint<T>(HttpContext context)
        where T : notnull => context.RequestServices.GetRequiredService<T>();

    private static bool HasConfiguredUrls(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").Exists();

    private static int PortFrom(IConfiguration configuration)
    {
        var value = configuration["SIMULATOR_PORT"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultPort;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new InvalidOperationException($"SIMULATOR_PORT must be a port number between 0 and 65535, not '{value}'.");
    }

    /// <summary>
    /// The binder appends configured list items to the defaults already in <see cref="SimulatorOptions.Models"/>;
    /// configured models replace them instead, given as items or as one comma-separated value (handy in env vars).
    /// </summary>
    private static void BindSection(IConfigurationSection section, SimulatorOptions options)
    {
        var defaults = options.Models;
        section.Bind(options);
        var models = section.GetSection(nameof(SimulatorOptions.Models));
        var configured = models.Value is { Length: > 0 } commaSeparated
            ? commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : models.GetChildren().Select(c => c.Value).OfType<string>().ToArray();
        options.Models = configured.Length > 0 ? [.. configured] : defaults;
    }

    private static void PrintAddresses(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? app.Urls;
        foreach (var address in addresses)
        {
            // Plain stdout, so scripts can wait for this line whatever the logging configuration.
            Console.WriteLine($"Simulator listening on {address}");
        }
    }
}
