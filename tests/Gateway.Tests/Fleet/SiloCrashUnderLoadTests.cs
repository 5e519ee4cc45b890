using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Kill -9, in the middle of load, the silo hosting a hot key's grain and, with it, a second
/// front-end that has requests of that key in flight upstream. Afterwards the key's spend equals the
/// sum of its audit rows, every request answered 200 is in the ledger exactly once, nothing stays
/// reserved, and the requests the dead front-end left behind are settled <c>unknown</c>, each charged
/// exactly its reservation.
/// </summary>
/// <remarks>
/// <para>
/// Why an <c>unknown</c> row is certain here, not merely likely. A silo crash alone does not make one:
/// a front-end that lives on renews the leases of the requests it serves and settles each itself once
/// the upstream answers, through whichever silo hosts the key by then (the key's new activation finds
/// the dead silo's journal intents and holds them until those settlements land), so they end
/// <c>completed</c>. An intent is abandoned only when no front-end will ever settle it.
/// </para>
/// <para>
/// So <see cref="Stranded"/> streamed requests go through a front-end of their own, the upstream told
/// to stall for an hour after its first event. The test waits until each client has read that first
/// event and the simulator has counted each stream: the front-end forwards a request only after the
/// key's grain accepted it and recorded its intent durably in that silo's journal. Then it kills that
/// front-end and the key's silo. Before the kill, the front-end could have settled them only when the
/// upstream answered (an hour away), when its request timeout passed (10 minutes, while the kill follows
/// their start within the test's deadlines of 60 s to start them and 10 s for the simulator's count),
/// or when its client left (the test keeps the connections open until after the kill). After the kill no front-end holds them, so only the key's sweep can settle them,
/// and it settles an intent whose lease is never renewed as <c>unknown</c> at its reservation: the
/// grain's new activation on the surviving silo finds them in the dead silo's journal partition (as does
/// the silo's journal sweeper) and settles them once 3 s of lease and 1 s of grace have passed.
/// </para>
/// </remarks>
public sealed class SiloCrashUnderLoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Stranded = 3;

    private static readonly Dictionary<string, string> FastRecovery = new(FleetSettings.FastFailureDetection)
    {
        // Abandonment is judged by leases alone: a front-end renews each request it serves every
        // second, and one left unrenewed for 3 s (+1 s grace) is abandoned. A request may otherwise run
        // 10 minutes, far past this test, so nothing a live front-end serves is swept as unknown and no
        // front-end gives up on its upstream by itself.
        ["Gateway:Keys:MaxRequestDuration"] = "00:10:00",
        ["Gateway:Frontend:RequestTimeout"] = "00:10:00",
        ["Gateway:Keys:LeaseTimeout"] = "00:00:03",
        ["Gateway:Frontend:LeaseRenewEvery"] = "00:00:01",
        ["Gateway:Keys:AbandonGrace"] = "00:00:01",
        ["Gateway:Keys:SweepInterval"] = "00:00:01",
        ["Gateway:Keys:OrphanHoldAge"] = "00:00:10",
    };

    private FleetProcesses _fleet = null!;

    public async Task InitializeAsync() => _fleet = await FleetProcesses.StartAsync("crash", FastRecovery, "silo", "silo", "frontend", "frontend");

    [Fact]
    public async Task Spend_equals_the_ledger_and_abandoned_requests_are_settled_unknown_when_the_hot_keys_silo_dies_mid_load()
    {
        var frontends = _fleet.Processes.Where(p => p.Role == "frontend").ToList();
        var (frontend, doomed) = (frontends[0], frontends[1]);
        using var admin = FleetProcesses.Admin(frontend);
        var key = await admin.CreateKeyAsync("hot-agent", 1000m);

        var answered = new ConcurrentBag<(HttpStatusCode Status, string? RequestId)>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 8).Select(_ => LoadAsync(frontend.BaseUrl, key.Key, answered, stop.Token)).ToList();
        await Poll.UntilAsync(() => Task.FromResult(answered.Count(a => a.Status == HttpStatusCode.OK) >= 100), TimeSpan.FromSeconds(60), "load before the crash");

        // Requests held upstream on the front-end about to die (the load's requests are not streamed, so
        // the simulator's stream count is theirs alone).
        var streamsBefore = await _fleet.Simulator.StreamCountAsync();
        var stranded = await Task.WhenAll(Enumerable.Range(0, Stranded).Select(_ => StrandedRequest.StartAsync(doomed.BaseUrl, key.Key)))
            .WaitAsync(TimeSpan.FromSeconds(60));
        try
        {
            await Poll.UntilAsync(async () => await _fleet.Simulator.StreamCountAsync() == streamsBefore + Stranded, TimeSpan.FromSeconds(10), "the simulator to hold the stranded requests");

            var host = (await admin.GetKeyAsync(key.KeyId)).GetProperty("silo").GetString()!;
            var victim = _fleet.Processes.Single(p => p.Role == "silo" && host.Contains($":{p.SiloPort}:", StringComparison.Ordinal));
            doomed.Kill();
            victim.Kill();
            var beforeCrash = answered.Count(a => a.Status == HttpStatusCode.OK);

            // Their clients see the streams broken, never finished.
            foreach (var request in stranded)
            {
                Assert.True(await request.EndedUnfinishedAsync(), $"stranded request {request.RequestId} looked finished");
            }

            await Poll.UntilAsync(() => Task.FromResult(answered.Count(a => a.Status == HttpStatusCode.OK) >= beforeCrash + 100), TimeSpan.FromSeconds(90), "load served again after the crash");
            await stop.CancelAsync();
            await Task.WhenAll(clients);

            Assert.All(answered, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"unexpected {a.Status}"));
            var state = await Poll.UntilAsync(() => admin.GetKeyAsync(key.KeyId),
                s => s.GetProperty("reservedMicros").GetInt64() == 0 && s.GetProperty("inFlight").GetInt32() == 0,
                TimeSpan.FromSeconds(60), "every reservation to be settled");
            Assert.NotEqual(host, state.GetProperty("silo").GetString());

            var ledger = new LedgerQueries(_fleet.Prefix);
            var rows = await ledger.RowsAsync(key.KeyId);
            output.WriteLine($"{answered.Count} answered ({answered.Count(a => a.Status == HttpStatusCode.OK)} with 200); ledger rows by outcome: "
                + string.Join(", ", rows.GroupBy(r => r.Outcome).Select(g => $"{g.Key} {g.Count()}")) + $"; spent {state.GetProperty("spentMicros").GetInt64()}, rows {rows.Sum(r => r.CostMicros)}");

            // Should an assertion below fail: every row that is not a plain completion, and every row of a
            // request recorded twice, with what its client was told (one failure in ~10 runs so far:
            // four requests with two rows each, both charged; the cause is not yet known).
            var told = answered.Where(a => a.RequestId is not null).GroupBy(a => a.RequestId!).ToDictionary(g => g.Key, g => string.Join("/", g.Select(a => (int)a.Status)));
            var repeated = rows.GroupBy(r => r.RequestId).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            foreach (var row in rows.Where(r => r.Outcome != "completed" || repeated.Contains(r.RequestId)))
            {
                output.WriteLine($"  seq {row.Sequence} {row.RequestId} {row.Outcome} {row.Denial} cost {row.CostMicros} reserved {row.ReservedMicros} fe {row.FrontendInstance} started {row.StartedAt:HH:mm:ss.fff} recorded {row.RecordedAt:HH:mm:ss.fff} client told {told.GetValueOrDefault(row.RequestId, "nothing")}");
            }
            Assert.Equal(state.GetProperty("spentMicros").GetInt64(), rows.Sum(r => r.CostMicros));
            Assert.Equal(rows.Count, rows.Select(r => r.RequestId).Distinct().Count());
            var recorded = rows.Select(r => r.RequestId).ToHashSet();
            Assert.All(answered.Where(a => a.Status == HttpStatusCode.OK), a => Assert.Contains(a.RequestId!, recorded));

            // The abandoned ones: each request the dead front-end carried is in the ledger once, settled unknown.
            var unknown = rows.Where(r => r.Outcome == "unknown").ToList();
            Assert.NotEmpty(unknown);
            Assert.All(unknown, r => Assert.True(r.ReservedMicros > 0 && r.CostMicros == r.ReservedMicros, $"{r.RequestId}: charged {r.CostMicros} of {r.ReservedMicros} reserved"));
            Assert.Equal(stranded.Select(s => s.RequestId).Order(), rows.Where(r => r.FrontendInstance == doomed.InstanceId).Select(r => r.RequestId).Order());
            Assert.Subset(unknown.Select(r => r.RequestId).ToHashSet(), stranded.Select(s => s.RequestId).ToHashSet());
            Assert.True((await ledger.Ledger.VerifyChainAsync(key.KeyId, CancellationToken.None)).Ok);

            // The user's budget, whichever silo it lived on, comes to the same spend with nothing held.
            var user = await Poll.UntilAsync(() => admin.GetJsonAsync("/admin/v1/users/hot-agent"),
                u => u.GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0 && u.GetProperty("budget").GetProperty("spentMicros").GetInt64() == rows.Sum(r => r.CostMicros),
                TimeSpan.FromSeconds(60), "the user's budget to settle to the ledger");
            Assert.Equal(rows.Count(r => r.Outcome != "denied"), user.GetProperty("budget").GetProperty("periodRequests").GetInt64());
            Assert.Equal(0, await _fleet.Simulator.RejectedCredentialsAsync());

            // Every row was copied out of the journal into the ledger, and the usage rollups equal it to the micro-dollar.
            await ledger.CopiedAsync(key.KeyId, rows.Count);
            var rollups = new Gateway.Storage.Audit.UsageRollups(new Gateway.Storage.GatewayTables(Microsoft.Extensions.Options.Options.Create(TestStorage.Options(_fleet.Prefix))));
            var rolled = await Poll.UntilAsync(async () =>
            {
                var list = new List<Gateway.Storage.Audit.UsageRollup>();
                await foreach (var r in rollups.ReadKeyAsync(key.KeyId))
                {
                    list.Add(r);
                }

                return list;
            }, r => r.Sum(x => x.Requests + x.Denied) == rows.Sum(x => x.Outcome == "denied" ? x.Count : 1), TimeSpan.FromSeconds(30), "rollups covering every row");
            Assert.Equal(rows.Sum(r => r.CostMicros), rolled.Sum(r => r.CostMicros));
            Assert.Equal(rows.Sum(r => r.InputTokens + r.OutputTokens), rolled.Sum(r => r.InputTokens + r.OutputTokens));
        }
        finally
        {
            foreach (var request in stranded)
            {
                request.Dispose();
            }
        }
    }

    private static async Task LoadAsync(string baseUrl, string key, ConcurrentBag<(HttpStatusCode, string?)> answered, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        while (!stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 8, messages = new[] { new { role = "user", content = "loop" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, CancellationToken.None);
            answered.Add((response.StatusCode, response.Headers.TryGetValues("x-gateway-request-id", out var ids) ? ids.Single() : null));
        }
    }

    public async Task DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }

    /// <summary>
    /// A streamed request whose upstream sent its first event and then stalls for an hour; the test
    /// keeps its connection open, so its front-end never sees the client leave.
    /// </summary>
    private sealed class StrandedRequest : IDisposable
    {
        private readonly HttpClient _http;
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private StrandedRequest(HttpClient http, HttpResponseMessage response, StreamReader reader, string requestId)
        {
            _http = http;
            _response = response;
            _reader = reader;
            RequestId = requestId;
        }

        public string RequestId { get; }

        public static async Task<StrandedRequest> StartAsync(string baseUrl, string key)
        {
            // No client timeout: the caller bounds the start, and the stream must stay open until the kill.
            var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 8, stream = true, messages = new[] { new { role = "user", content = "stranded [sim:stall=3600000]" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

            // The upstream's first event: the request reached it and is now held there.
            Assert.StartsWith("data: ", await reader.ReadLineAsync());
            return new StrandedRequest(http, response, reader, response.Headers.GetValues("x-gateway-request-id").Single());
        }

        /// <summary>Reads the rest: true when the stream broke or ended without its end marker.</summary>
        public async Task<bool> EndedUnfinishedAsync()
        {
            try
            {
                return !(await _reader.ReadToEndAsync()).Contains("[DONE]", StringComparison.Ordinal);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                return true;
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _response.Dispose();
            _http.Dispose();
        }
    }
}
