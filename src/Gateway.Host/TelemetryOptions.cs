namespace Gateway.Host;

/// <summary>Where metrics and traces go (docs/telemetry.md); the Prometheus scrape at <c>/metrics</c> is always served by a front-end.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Gateway:Telemetry";

    /// <summary>
    /// An OTLP collector to push metrics and traces to (gRPC unless <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>
    /// says <c>http/protobuf</c>). Without it, the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is used when set.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// Whether to record traces. Unset: only when they have somewhere to go (OTLP or Azure Monitor),
    /// since every span is work on the request path and nobody would see it.
    /// </summary>
    public bool? Traces { get; set; }

    /// <summary>The console log's format: <c>text</c> (the default) or <c>json</c> (one JSON object a line, scopes included, for log shippers). Also <c>--log-format</c>.</summary>
    public string LogFormat { get; set; } = "text";
}
