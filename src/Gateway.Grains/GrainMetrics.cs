using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Grains;

/// <summary>
/// The grains' instruments, on the meter <c>Gateway.Grains</c>: settled spend by team and model, and
/// the reservations held. Recorded where the facts are: a key grain settles each request once, and
/// knows then both its cost and the team whose budget held it (the front-end knows neither the team
/// nor, until the settlement answers, the cost). Labels are team and model only, never user or key.
/// Static, so a silo with many thousands of key grains shares one set of instruments.
/// </summary>
public static class GrainMetrics
{
    public const string MeterName = "Gateway.Grains";
    public const string TeamTag = "team";
    public const string ModelTag = "model";

    /// <summary>The team label of a key whose user is in no team.</summary>
    public const string NoTeam = "none";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Spend = Meter.CreateCounter<long>("gateway.spend", "{micro-dollar}",
        "Settled cost in micro-dollars (USD / 1,000,000), by team and model: the sum of the ledger's Cost.");

    private static readonly UpDownCounter<long> Reservations = Meter.CreateUpDownCounter<long>("gateway.reservations.held", "{request}",
        "Requests holding a reservation on a key grain of this silo: begun and not yet settled, withdrawn or refused.");

    /// <summary>A settlement made durable (its row in the journal): counted once per request.</summary>
    public static void Settled(string? teamId, string model, long costMicros)
    {
        if (Spend.Enabled)
        {
            Spend.Add(costMicros, new TagList { { TeamTag, teamId ?? NoTeam }, { ModelTag, model } });
        }
    }

    public static void ReservationsChanged(int delta) => Reservations.Add(delta);
}
