using System.Diagnostics;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// Propagates only the W3C trace context (<c>traceparent</c>, <c>tracestate</c>) to upstreams. The
/// default propagator also sends the activity's baggage, which ASP.NET Core fills from the caller's
/// own <c>baggage</c> header: a way round the header allow-list.
/// </summary>
public sealed class TraceContextPropagator(DistributedContextPropagator inner) : DistributedContextPropagator
{
    private static readonly string[] TraceFields = ["traceparent", "tracestate"];

    public override IReadOnlyCollection<string> Fields => TraceFields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (setter is null)
        {
            return;
        }

        inner.Inject(activity, carrier, (c, name, value) =>
        {
            if (TraceFields.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                setter(c, name, value);
            }
        });
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        inner.ExtractBaggage(carrier, getter);
}
