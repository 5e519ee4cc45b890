using OpenTelemetry.Trace;

namespace Gateway.Host;

/// <summary>
/// The root sampler under <see cref="ParentBasedSampler"/>: a span with a parent follows its parent,
/// and of the spans that would start a trace, an outgoing HTTP call's is dropped. Those are the
/// storage calls the gateway makes off any request (group-commit writers, the ledger copier,
/// Orleans' membership and grain state): hundreds of one-span traces a second under load that say
/// nothing a request's trace or <c>gateway.storage.duration</c> does not.
/// </summary>
public sealed class RequestTraceSampler : Sampler
{
    private const string HttpClientOperation = "System.Net.Http.HttpRequestOut";

    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);
    private static readonly SamplingResult Sample = new(SamplingDecision.RecordAndSample);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name == HttpClientOperation ? Drop : Sample;
}
