using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Gateway.Grains.Keys;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A provider that answers past the request's max_tokens: the usage is charged as reported, the
/// ledger row says by how much it went past the reservation, and a metric counts it.
/// </summary>
public sealed class OverReservationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Usage_past_the_reservation_is_charged_as_reported_flagged_on_the_row_and_counted()
    {
        using var metrics = new OverReservationMetrics(fixture.Gateway.Services.GetRequiredService<IMeterFactory>());
        var key = await fixture.Admin.CreateKeyAsync("ophelia", 1m);

        // max_tokens 5, but the simulator is told to answer 2,000 tokens regardless.
        using var overrun = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 5, "x [sim:tokens=2000] [sim:ignore-max-tokens]");
        Assert.Equal(HttpStatusCode.OK, overrun.StatusCode);
        var usage = JsonDocument.Parse(await overrun.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
        Assert.Equal(2000, usage.GetProperty("completion_tokens").GetInt32());
        // Within its limit, for contrast: 3 tokens asked, max_tokens 5.
        using var within = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 5, "x [sim:tokens=3]");
        Assert.Equal(HttpStatusCode.OK, within.StatusCode);

        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count == 2, TimeSpan.FromSeconds(10), "both rows");
        var over = rows.Single(r => r.OutputTokens == 2000);
        var fine = rows.Single(r => r.OutputTokens == 3);

        Assert.Equal((InputOverrun, 2000L, true), (over.InputTokens, over.OutputTokens, over.UsageReported));
        Assert.Equal(ReservedOverrun, over.ReservedMicros);
        Assert.Equal(CostOverrun, over.CostMicros);
        Assert.Equal(CostOverrun - ReservedOverrun, over.OverReservationMicros);
        Assert.Equal(0, fine.OverReservationMicros);
        Assert.True(fine.CostMicros <= fine.ReservedMicros);

        // Spend is the ledger's sum, past the reservation included; the audit query shows the flag.
        var spent = (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("spentMicros").GetInt64();
        Assert.Equal(over.CostMicros + fine.CostMicros, spent);
        var page = await fixture.Admin.GetJsonAsync($"/admin/v1/audit?keyId={key.KeyId}");
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, i => i.GetProperty("overReservationMicros").GetInt64() == CostOverrun - ReservedOverrun);

        Assert.Equal((1L, CostOverrun - ReservedOverrun), metrics.For("gpt-4o-mini"));
    }

    // gpt-4o-mini at $0.15 / $0.60 per million tokens, every amount rounded up to the micro-dollar.
    // Prompt: 3 (message) + 1 ("user") + 17 (the content) + 3 (reply) = 24 tokens.
    private const long InputOverrun = 24;

    // Reserved: 24 × 0.15 + 5 (max_tokens) × 0.60 = 3.6 + 3 = 6.6, so 7.
    private const long ReservedOverrun = 7;

    // Charged as reported: 24 × 0.15 + 2,000 × 0.60 = 3.6 + 1,200 = 1,203.6, so 1,204: 1,197 past the reservation.
    private const long CostOverrun = 1204;

    /// <summary>The over-reservation counters of one gateway's meter factory, by model.</summary>
    private sealed class OverReservationMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, (long Requests, long Micros)> _byModel = [];

        public OverReservationMetrics(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == KeyMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)
                    && instrument.Name.StartsWith("gateway.over_reservation", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var model = "";
                foreach (var tag in tags)
                {
                    model = tag.Key == "model" ? tag.Value as string ?? "" : model;
                }

                lock (_byModel)
                {
                    var (requests, micros) = _byModel.GetValueOrDefault(model);
                    _byModel[model] = instrument.Name == "gateway.over_reservation_settlements" ? (requests + value, micros) : (requests, micros + value);
                }
            });
            _listener.Start();
        }

        public (long Requests, long Micros) For(string model)
        {
            lock (_byModel)
            {
                return _byModel.GetValueOrDefault(model);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
