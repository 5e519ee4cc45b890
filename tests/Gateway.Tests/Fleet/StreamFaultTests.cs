using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// A stream broken from either end, and one that is merely long. A front-end killed mid-stream: its
/// client sees the stream cut, never a finished 200, and once its lease runs out the intent it left
/// is settled by the key's sweep as <c>unknown</c> at its reservation. A stream longer than a lease,
/// renewed by its live front-end, is never swept. A client that leaves mid-stream: <c>client_aborted</c>, charged for the output the
/// upstream produced until then.
/// </summary>
public sealed class StreamFaultTests : IAsyncLifetime
{
    /// <summary>
    /// Requests may live a minute, but a front-end that stops renewing (every second) loses its
    /// request's lease after 3 s: within this test's polls only a lost lease can make a request abandoned.
    /// </summary>
    private static readonly Dictionary<string, string> FastAbandon = new(FleetSettings.FastFailureDetection)
    {
        ["Gateway:Keys:MaxRequestDuration"] = "00:01:00",
        ["Gateway:Frontend:RequestTimeout"] = "00:01:00",
        ["Gateway:Keys:LeaseTimeout"] = "00:00:03",
        ["Gateway:Frontend:LeaseRenewEvery"] = "00:00:01",
        ["Gateway:Keys:AbandonGrace"] = "00:00:01",
        ["Gateway:Keys:SweepInterval"] = "00:00:01",
    };

    private FleetProcesses _fleet = null!;

    public async Task InitializeAsync() => _fleet = await FleetProcesses.StartAsync("streams", FastAbandon, "silo", "frontend", "frontend");

    [Fact]
    public async Task A_front_end_killed_mid_stream_cuts_the_stream_and_its_intent_is_settled_unknown()
    {
        var frontends = _fleet.Processes.Where(p => p.Role == "frontend").ToList();
        using var admin = FleetProcesses.Admin(frontends[1]);
        var key = await admin.CreateKeyAsync("stream-victim", 1m);

        using var http = new HttpClient { BaseAddress = new Uri(frontends[0].BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        using var request = StreamRequest(key.Key, "Tell me something [sim:stall=60000]");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-gateway-request-id").Single();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());

        frontends[0].Kill();
        var rest = "";
        var cut = false;
        try
        {
            rest = await reader.ReadToEndAsync();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            cut = true;
        }

        // The client knows the stream broke: an error, or an end without the stream's own end marker.
        Assert.True(cut || !rest.Contains("[DONE]", StringComparison.Ordinal), "the stream looked finished");

        var row = (await Poll.UntilAsync(() => new LedgerQueries(_fleet.Prefix).RowsAsync(key.KeyId), rows => rows.Any(r => r.RequestId == requestId),
            TimeSpan.FromSeconds(30), "the abandoned request settled by the sweep")).Single(r => r.RequestId == requestId);
        Assert.Equal("unknown", row.Outcome);
        Assert.True(row.ReservedMicros > 0);
        Assert.Equal(row.ReservedMicros, row.CostMicros);
        var state = await Poll.UntilAsync(() => admin.GetKeyAsync(key.KeyId), s => s.GetProperty("reservedMicros").GetInt64() == 0,
            TimeSpan.FromSeconds(10), "nothing held");
        Assert.Equal(row.CostMicros, state.GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task A_live_stream_longer_than_its_lease_is_renewed_and_settled_once_as_completed()
    {
        var frontend = _fleet.Processes.First(p => p.Role == "frontend");
        using var admin = FleetProcesses.Admin(frontend);
        var key = await admin.CreateKeyAsync("stream-long", 1m);

        // About 8 s of stream (40 tokens, 3 a chunk, 600 ms apart): more than twice the 3 s lease plus grace.
        using var http = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        using var request = StreamRequest(key.Key, "Take your time [sim:tokens=40] [sim:chunkdelay=600]");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("[DONE]", body, StringComparison.Ordinal);
        var requestId = response.Headers.GetValues("x-gateway-request-id").Single();

        var rows = await Poll.UntilAsync(() => new LedgerQueries(_fleet.Prefix).RowsAsync(key.KeyId), r => r.Any(x => x.RequestId == requestId),
            TimeSpan.FromSeconds(20), "the stream settled");
        var row = Assert.Single(rows);
        Assert.Equal("completed", row.Outcome);
        Assert.Equal(40, row.OutputTokens);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_is_charged_for_what_the_upstream_produced()
    {
        var frontend = _fleet.Processes.First(p => p.Role == "frontend");
        using var admin = FleetProcesses.Admin(frontend);
        var key = await admin.CreateKeyAsync("stream-leaver", 1m);

        string requestId;
        using (var http = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) })
        using (var request = StreamRequest(key.Key, "Write at length [sim:tokens=300] [sim:chunkdelay=100]"))
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            requestId = response.Headers.GetValues("x-gateway-request-id").Single();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var chunks = 0;
            while (chunks < 5 && await reader.ReadLineAsync() is { } line)
            {
                chunks += line.StartsWith("data: ", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        var row = (await Poll.UntilAsync(() => new LedgerQueries(_fleet.Prefix).RowsAsync(key.KeyId), rows => rows.Any(r => r.RequestId == requestId),
            TimeSpan.FromSeconds(30), "the aborted request settled")).Single(r => r.RequestId == requestId);
        Assert.Equal("client_aborted", row.Outcome);

        // Some of the 300 tokens were produced before the client left, not all of them.
        Assert.InRange(row.OutputTokens, 1, 299);

        // gpt-4o-mini: 150,000 micro-dollars per million input tokens, 600,000 per million output, rounded up.
        Assert.Equal((row.InputTokens * 150_000 + row.OutputTokens * 600_000 + 999_999) / 1_000_000, row.CostMicros);
    }

    private static HttpRequestMessage StreamRequest(string key, string content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 400, stream = true, messages = new[] { new { role = "user", content } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    public async Task DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }
}
