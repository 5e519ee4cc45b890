using Azure.Monitor.OpenTelemetry.AspNetCore;
using Gateway.Frontend.Telemetry;
using Gateway.Grains;
using Gateway.Grains.Alerts;
using Gateway.Grains.Keys;
using Gateway.Storage.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Host;

/// <summary>
/// Metrics, traces and the console log's format. Metrics are always collected (a front-end serves
/// them at <c>/metrics</c>) and pushed over OTLP or to Azure Monitor when those are configured;
/// traces are recorded only when something receives them (<see cref="TelemetryOptions.Traces"/>).
/// </summary>
public static class GatewayTelemetry
{
    /// <summary>The gateway's meters; every instrument on them is listed in docs/telemetry.md.</summary>
    public static IReadOnlyList<string> Meters { get; } =
        [ProxyMetrics.MeterName, GrainMetrics.MeterName, StorageMetrics.MeterName, KeyMetrics.MeterName, BudgetAlertDispatcher.MeterName, "Gateway.Prices"];

    /// <summary>
    /// The spans of one request: ASP.NET Core's server span (under the caller's <c>traceparent</c>),
    /// the grain calls (Orleans' application source: front-end to key grain, key grain to user and
    /// team budgets), and the upstream call (System.Net.Http, from the forwarder's handler).
    /// </summary>
    public static IReadOnlyList<string> Sources { get; } = ["Microsoft.AspNetCore", "Microsoft.Orleans.Application", "System.Net.Http"];

    /// <summary>Wires OpenTelemetry and the log format; says whether traces are recorded (so Orleans propagates them).</summary>
    public static bool AddGatewayTelemetry(this WebApplicationBuilder builder, HostShape shape)
    {
        var config = builder.Configuration;
        var options = config.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.AddLogFormat(config["log-format"] ?? options.LogFormat);

        var otlp = options.OtlpEndpoint is { Length: > 0 } endpoint ? ParseEndpoint(endpoint)
            : config["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } standard ? ParseEndpoint(standard)
            : null;
        var azureMonitor = config["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 };
        var traces = options.Traces ?? (otlp is not null || azureMonitor);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("gateway").AddAttributes([new("gateway.role", shape.ToString())]))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. Meters]);

                // No cached scrape: each shows the figures of its moment. Scrapers are few, and hold an admin key.
                metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });

        if (traces)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource([.. Sources]).SetSampler(new ParentBasedSampler(new RequestTraceSampler()));
                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });
        }

        if (azureMonitor)
        {
            // Reads APPLICATIONINSIGHTS_CONNECTION_STRING itself; adds its own ASP.NET Core and HttpClient instrumentation.
            telemetry.UseAzureMonitor();
        }

        return traces;
    }

    /// <summary><c>text</c>: the default console lines; <c>json</c>: ASP.NET Core's JSON console formatter, one object a line, scopes (request id, key id) included.</summary>
    private static void AddLogFormat(this WebApplicationBuilder builder, string format)
    {
        switch (format.ToLowerInvariant())
        {
            case "text":
                break;
            case "json":
                builder.Logging.AddJsonConsole(o =>
                {
                    o.IncludeScopes = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
                break;
            default:
                throw new InvalidOperationException($"Unknown log format '{format}' (--log-format or {TelemetryOptions.Section}:LogFormat): use text or json.");
        }
    }

    private static Uri ParseEndpoint(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new InvalidOperationException($"{TelemetryOptions.Section}:OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) '{value}' is not an http(s) address.");
}
