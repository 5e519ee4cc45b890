using System.Diagnostics.Metrics;

namespace Gateway.Grains.Keys;

/// <summary>The key grains' counters, on the meter <c>Gateway.Keys</c>.</summary>
public sealed class KeyMetrics
{
    public const string MeterName = "Gateway.Keys";

    private readonly Counter<long> _zeroCost;
    private readonly Counter<long> _overReservation;
    private readonly Counter<long> _overReservationMicros;

    public KeyMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _zeroCost = meter.CreateCounter<long>("gateway.zero_cost_settlements",
            description: "Requests settled with tokens but a cost of zero: a price table missing or wrong for the model.");
        _overReservation = meter.CreateCounter<long>("gateway.over_reservation_settlements",
            description: "Requests whose reported usage cost more than was reserved for them (max_tokens ignored, prompt under-counted, cache writes): charged as reported, so spend can pass a cap by that much.");
        _overReservationMicros = meter.CreateCounter<long>("gateway.over_reservation_micros", unit: "{micro-dollar}",
            description: "Micro-dollars settled above the reservations of those requests.");
    }

    public void ZeroCost(string model) => _zeroCost.Add(1, new KeyValuePair<string, object?>("model", model));

    public void OverReservation(string model, long excessMicros)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        _overReservation.Add(1, tag);
        _overReservationMicros.Add(excessMicros, tag);
    }
}
