using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Frontend.Proxy;
using Gateway.Frontend.Upstreams;

namespace Gateway.Frontend.Telemetry;

/// <summary>
/// The front-end's instruments, on the meter <c>Gateway.Proxy</c>: the OpenTelemetry GenAI client
/// conventions (<c>gen_ai.client.token.usage</c>, <c>gen_ai.client.operation.duration</c>) for each
/// request that went upstream, and every request's outcome, refusals by reason. Labels are bounded:
/// route, model and provider, never a key or a user (docs/telemetry.md). Static, like the storage
/// meter: recording is a few adds on a <see cref="TagList"/> on the stack, nothing allocated.
/// </summary>
public static class ProxyMetrics
{
    public const string MeterName = "Gateway.Proxy";

    public const string OperationNameTag = "gen_ai.operation.name";
    public const string RequestModelTag = "gen_ai.request.model";
    public const string ProviderNameTag = "gen_ai.provider.name";
    public const string TokenTypeTag = "gen_ai.token.type";
    public const string ErrorTypeTag = "error.type";
    public const string OutcomeTag = "outcome";
    public const string ReasonTag = "reason";

    /// <summary>Outcomes of requests refused before anything was reserved (beside the ledger's own outcomes).</summary>
    public const string Invalid = "invalid";
    public const string Unavailable = "unavailable";
    public const string Denied = "denied";

    private static readonly Meter Meter = new(MeterName);

    // The semantic conventions' advised buckets (gen-ai-metrics.md), so dashboards built for them fit.
    private static readonly Histogram<long> TokenUsage = Meter.CreateHistogram("gen_ai.client.token.usage", "{token}",
        "Tokens used per request that went upstream, input and output apart, as the provider reported them.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });

    private static readonly Histogram<double> Duration = Meter.CreateHistogram("gen_ai.client.operation.duration", "s",
        "From the request's arrival to the end of its response, for requests that went upstream.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("gateway.requests", "{request}",
        "Requests to the proxy routes by outcome: the ledger's (completed, upstream_error, client_aborted, timeout) for those forwarded, else denied, invalid or unavailable.");

    private static readonly Counter<long> Denials = Meter.CreateCounter<long>("gateway.denials", "{request}",
        "Requests refused on their key or address, by reason (over_budget, rate_limited, revoked, unknown_key, …).");

    /// <summary>A request that went upstream, as settled: its duration, and its tokens when the provider reported them.</summary>
    public static void Served(ProxyRoute route, string model, string provider, RequestOutcome outcome, long latencyMs, UsageReport usage)
    {
        var outcomeName = OutcomeName(outcome);
        Requests.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcomeName));
        if (!TokenUsage.Enabled && !Duration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { OperationNameTag, OperationName(route) },
            { RequestModelTag, model },
            { ProviderNameTag, provider },
        };
        if (outcome != RequestOutcome.Completed)
        {
            tags.Add(ErrorTypeTag, outcomeName);
        }

        Duration.Record(latencyMs / 1000.0, tags);
        if (usage.ReportedByProvider)
        {
            var input = tags;
            input.Add(TokenTypeTag, "input");
            TokenUsage.Record(usage.InputTokens, input);
            tags.Add(TokenTypeTag, "output");
            TokenUsage.Record(usage.OutputTokens, tags);
        }
    }

    /// <summary>A request refused on its key or its address.</summary>
    public static void Denial(string reason)
    {
        Requests.Add(1, new KeyValuePair<string, object?>(OutcomeTag, Denied));
        Denials.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
    }

    public static void Denial(DenialReason reason) => Denial(ReasonName(reason));

    /// <summary>A request refused for what it is (<see cref="Invalid"/>) or because the gateway could not take it (<see cref="Unavailable"/>).</summary>
    public static void Refused(string outcome) => Requests.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    /// <summary>The semantic conventions' <c>gen_ai.provider.name</c>: their names for the kinds they know, the upstream's own name otherwise.</summary>
    public static string ProviderName(Upstream upstream) => upstream.Kind switch
    {
        UpstreamKind.OpenAI => "openai",
        UpstreamKind.AzureOpenAI => "azure.ai.openai",
        UpstreamKind.Anthropic => "anthropic",
        _ => upstream.Name,
    };

    public static string OperationName(ProxyRoute route) =>
        ReferenceEquals(route, ProxyRoute.Completions) ? "text_completion"
        : ReferenceEquals(route, ProxyRoute.Embeddings) ? "embeddings"
        : ReferenceEquals(route, ProxyRoute.CountTokens) ? "count_tokens"
        : "chat";

    public static string OutcomeName(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Completed => "completed",
        RequestOutcome.UpstreamError => "upstream_error",
        RequestOutcome.ClientAborted => "client_aborted",
        RequestOutcome.Timeout => "timeout",
        RequestOutcome.Unknown => "unknown",
        _ => "denied",
    };

    public static string ReasonName(DenialReason reason) => reason switch
    {
        DenialReason.UnknownKey => "unknown_key",
        DenialReason.Revoked => "revoked",
        DenialReason.Expired => "expired",
        DenialReason.ModelNotAllowed => "model_not_allowed",
        DenialReason.ModelNotPriced => "model_not_priced",
        DenialReason.OverBudget => "over_budget",
        DenialReason.RateLimited => "rate_limited",
        DenialReason.StorageUnavailable => "storage_unavailable",
        DenialReason.AuditUnavailable => "audit_unavailable",
        DenialReason.RequestTooLarge => "request_too_large",
        DenialReason.ConcurrencyLimited => "concurrency_limited",
        _ => "other",
    };
}
