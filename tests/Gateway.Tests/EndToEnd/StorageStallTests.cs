using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Table Storage stops answering (held bytes, or reset connections) under load, through a real TCP
/// fault proxy between the gateway and Azurite: callers get a fast 503 in their API's format, none
/// is served unrecorded, the gateway recovers by itself, and no refused request is ever charged.
/// </summary>
public sealed class StorageStallTests(StorageStallTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<StorageStallTests.Fixture>
{
    private static readonly TimeSpan BeginTimeout = TimeSpan.FromSeconds(3);

    public sealed class Fixture : GatewayFixture
    {
        public FaultProxy Proxy { get; } = new(FaultProxy.StoragePort());

        public LogCapture Logs { get; } = new();

        protected override void ConfigureHost(WebApplicationBuilder builder) => builder.Logging.AddProvider(Logs);

        protected override IReadOnlyDictionary<string, string> Extra => new Dictionary<string, string>
        {
            ["Gateway:Storage:ConnectionString"] = FaultProxy.ConnectionStringThrough(Proxy),
            ["Gateway:Keys:IntentWriteTimeout"] = "00:00:02",
            ["Gateway:Frontend:BeginTimeout"] = "00:00:03",
            ["Gateway:Keys:SweepInterval"] = "00:00:01",
        };

        public override async Task DisposeAsync()
        {
            Proxy.Mode = FaultMode.Pass;
            await base.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }

    [Fact]
    public Task While_storage_stalls_callers_get_a_fast_503_and_nothing_refused_is_charged() => FaultAsync(FaultMode.Stall, 20);

    [Fact]
    public Task While_storage_resets_connections_callers_get_a_fast_503_and_nothing_refused_is_charged() => FaultAsync(FaultMode.Reset, 10);

    /// <summary>
    /// A response that finishes while the store resets connections: its settled row cannot be
    /// written, the key's grain writes the same row again until the store answers (the front-end's
    /// settle waits on it, or retries in the background with the lease renewed), and once the store
    /// is back the request has one <c>completed</c> row at its real cost, not an <c>unknown</c>.
    /// </summary>
    [Fact]
    public async Task A_response_finished_while_storage_fails_is_settled_at_its_cost_once_storage_returns()
    {
        try
        {
            var key = await fixture.Admin.CreateKeyAsync("late-settle", 10m);
            using (var warm = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, 8))
            {
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            }

            const string marker = "settle-me-later";
            var sending = GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, 8, "[sim:latency=1500] " + marker);
            await Poll.UntilAsync(() => fixture.Simulator.RequestsAsync(marker), r => r.Count > 0, TimeSpan.FromSeconds(10), "the request forwarded (its intent recorded)");
            fixture.Proxy.Mode = FaultMode.Reset;
            string requestId;
            using (var response = await sending)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                requestId = RequestId(response);
            }

            // Its settled row could not be written: the key's grain writes the same row again until storage answers.
            await Poll.UntilAsync(() => Task.FromResult(fixture.Logs.Tail(key.KeyId)), t => t.Contains("got no answer", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15), "its settlement's journal write failing and repeated");
            fixture.Proxy.Mode = FaultMode.Pass;

            var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Any(x => x.RequestId == requestId),
                TimeSpan.FromSeconds(30), "the late settlement's row");
            var row = Assert.Single(rows, r => r.RequestId == requestId);
            // 20 prompt tokens × $0.15/M + 8 output tokens × $0.60/M = 3.0 + 4.8 µ$: 8 µ$ (rounded up).
            Assert.Equal(("completed", 20L, 8L, 8L), (row.Outcome, row.InputTokens, row.OutputTokens, row.CostMicros));
            var state = await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId), s => s.GetProperty("reservedMicros").GetInt64() == 0, TimeSpan.FromSeconds(10), "nothing held");
            Assert.Equal(state.GetProperty("spentMicros").GetInt64(), rows.Sum(r => r.CostMicros));
            Assert.DoesNotContain(rows, r => r.Outcome == "unknown");
        }
        catch
        {
            fixture.Proxy.Mode = FaultMode.Pass;
            output.WriteLine("Gateway warnings and errors, last 60:" + Environment.NewLine + fixture.Logs.Tail(count: 60));
            throw;
        }
    }

    private async Task FaultAsync(FaultMode mode, int faultSeconds)
    {
        try
        {
            await FaultCoreAsync(mode, faultSeconds);
        }
        catch
        {
            output.WriteLine("Gateway warnings and errors, last 60:" + Environment.NewLine + fixture.Logs.Tail(count: 60));
            throw;
        }
    }

    private async Task FaultCoreAsync(FaultMode mode, int faultSeconds)
    {
        var key = await fixture.Admin.CreateKeyAsync("stall-" + mode.ToString().ToLowerInvariant(), 10m);

        // A key whose grain is not active when the fault starts: activating it needs storage.
        var cold = await fixture.Admin.CreateKeyAsync("cold-" + mode.ToString().ToLowerInvariant(), 10m);
        await fixture.Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var served = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<(string RequestId, TimeSpan Waited, string? Code)>();
        for (var i = 0; i < 3; i++)
        {
            using var warm = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, 8);
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            served.Add(RequestId(warm));
        }

        // The fault, with four callers sending all along, and one request on the cold key.
        fixture.Proxy.Mode = mode;
        (string RequestId, TimeSpan Waited, string? Code) coldRefusal;
        using (var faultOver = new CancellationTokenSource(TimeSpan.FromSeconds(faultSeconds)))
        {
            var callers = Enumerable.Range(0, 4).Select(_ => SendUntilAsync(key.Key, faultOver.Token, served, refused)).ToList();
            var started = Stopwatch.GetTimestamp();
            using (var coldResponse = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, cold.Key, 8))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, coldResponse.StatusCode);
                Assert.NotNull(coldResponse.Headers.RetryAfter);
                coldRefusal = (RequestId(coldResponse), Stopwatch.GetElapsedTime(started), await CodeAsync(coldResponse));
            }

            await Task.WhenAll(callers);
        }

        var servedDuringFault = served.Count - 3;
        fixture.Proxy.Mode = FaultMode.Pass;
        var recovery = Stopwatch.StartNew();
        await Poll.UntilAsync(async () =>
        {
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, 8);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                served.Add(RequestId(response));
                return true;
            }

            refused.Add((RequestId(response), TimeSpan.Zero, await CodeAsync(response)));
            return false;
        }, TimeSpan.FromSeconds(10), "a request served again after the fault");
        var recovered = recovery.Elapsed;

        var longest = refused.Max(r => r.Waited);
        output.WriteLine($"{mode} for {faultSeconds} s: {refused.Count} refused with 503, {servedDuringFault} served during the fault, longest wait {longest.TotalMilliseconds:F0} ms "
            + $"(cold key {coldRefusal.Waited.TotalMilliseconds:F0} ms), recovered in {recovered.TotalMilliseconds:F0} ms");
        Assert.Equal(0, servedDuringFault);
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("gateway_unavailable", r.Code));
        // The grain refuses after IntentWriteTimeout; the front-end stops waiting after BeginTimeout whatever the grain does.
        Assert.True(longest <= BeginTimeout + TimeSpan.FromSeconds(1), $"a caller waited {longest}");
        Assert.Equal("gateway_unavailable", coldRefusal.Code);
        Assert.True(coldRefusal.Waited <= BeginTimeout + TimeSpan.FromSeconds(1), $"the cold key's caller waited {coldRefusal.Waited}");

        // Afterwards: nothing held, spend is the ledger, every served request charged once, and every
        // refused one recorded as a denial that charged nothing.
        var refusedIds = refused.Select(r => r.RequestId).ToHashSet();
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId),
            r => refusedIds.All(id => r.Any(x => x.RequestId == id)) && served.All(id => r.Any(x => x.RequestId == id && x.Outcome == "completed")),
            TimeSpan.FromSeconds(30), "a row for every served and every refused request",
            r => $"{r.Count} rows: {string.Join(", ", r.GroupBy(x => x.Outcome + "/" + x.Denial).Select(g => $"{g.Key} x{g.Count()}"))}");
        var state = await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId),
            s => s.GetProperty("reservedMicros").GetInt64() == 0, TimeSpan.FromSeconds(30), "nothing held");
        Assert.Equal(state.GetProperty("spentMicros").GetInt64(), rows.Sum(r => r.CostMicros));
        Assert.All(rows.Where(r => refusedIds.Contains(r.RequestId)), r => Assert.Equal(("denied", "StorageUnavailable", 0L), (r.Outcome, r.Denial, r.CostMicros)));
        Assert.Equal(served.Count, rows.Count(r => r.Outcome == "completed"));
        Assert.DoesNotContain(rows, r => r.Outcome == "unknown");
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(key.KeyId, CancellationToken.None)).Ok);

        // The cold key's request was withdrawn once its grain could be reached: one refusal row, nothing charged or held.
        var coldRow = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(cold.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(30), "the cold key's refusal row"));
        Assert.Equal((coldRefusal.RequestId, "denied", "StorageUnavailable", 0L), (coldRow.RequestId, coldRow.Outcome, coldRow.Denial, coldRow.CostMicros));
        var coldState = await fixture.Admin.GetKeyAsync(cold.KeyId);
        Assert.Equal((0L, 0L), (coldState.GetProperty("spentMicros").GetInt64(), coldState.GetProperty("reservedMicros").GetInt64()));
    }

    private async Task SendUntilAsync(string key, CancellationToken stop, ConcurrentBag<string> served, ConcurrentBag<(string, TimeSpan, string?)> refused)
    {
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key, 8);
            var waited = Stopwatch.GetElapsedTime(started);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                served.Add(RequestId(response));
                continue;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            refused.Add((RequestId(response), waited, await CodeAsync(response)));
        }
    }

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-gateway-request-id").Single();

    private static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString();
}
