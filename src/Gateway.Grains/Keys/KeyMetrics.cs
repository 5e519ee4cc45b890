using System.Diagnostics.Metrics;

namespace Gateway.Grains.Keys;

/// <summary>The key grains' counters, on the meter <c>Gateway.Keys</c>.</summary>
public sealed class KeyMetrics
{
    public const string MeterName = "Gateway.Keys";

    private readonly Counter<long> _zeroCost;

    public KeyMetrics(IMeterFactory meters)
    {
        _zeroCost = meters.Create(MeterName).CreateCounter<long>("gateway.zero_cost_settlements",
            description: "Requests settled with tokens but a cost of zero: a price table missing or wrong for the model.");
    }

    public void ZeroCost(string model) => _zeroCost.Add(1, new KeyValuePair<string, object?>("model", model));
}
