using System.Net;
using System.Net.Http.Headers;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Settlement is waited for after the handler has returned (off the client's connection). A front-end
/// stopped the way an orchestrator stops it, while its settlements are still out, must lose none of
/// them: each served request is in the ledger at its real cost, none left to the sweep as unknown.
/// (The settle call leaves before the handler returns, so it reaches the silo whether or not the
/// front-end is still there for the answer; the front-end's shutdown also waits for the answers, and
/// gives any that failed one last try.)
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task A_front_end_stopped_with_sigterm_settles_every_request_it_served_before_it_exits()
    {
        // Settled rows linger a second on the silo, so the settlements are still out when the front-end is told to stop.
        await using var fleet = await FleetProcesses.StartAsync("drain", new Dictionary<string, string> { ["Gateway:Storage:JournalSettledLinger"] = "00:00:01" },
            "silo", "frontend");
        var frontend = fleet.Processes[1];
        CreatedKey key;
        using (var admin = FleetProcesses.Admin(frontend))
        {
            key = await admin.CreateKeyAsync("dana", 1m);
        }

        const int Requests = 12;
        using (var http = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
            var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async _ =>
            {
                using var response = await http.PostAsync("/v1/chat/completions",
                    new StringContent("""{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"x"}]}""", System.Text.Encoding.UTF8, "application/json"));
                return response.StatusCode;
            }));
            Assert.All(responses, status => Assert.Equal(HttpStatusCode.OK, status));
        }

        var ledger = new LedgerQueries(fleet.Prefix);
        var before = (await ledger.RowsAsync(key.KeyId)).Count;
        Assert.True(before < Requests, $"all {before} rows were durable before the stop: the test proves nothing");

        var exitCode = await frontend.StopGracefullyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, exitCode);

        // Durable once the silo's linger has passed; the sweep would take minutes (and charge them as unknown).
        var rows = await Poll.UntilAsync(() => ledger.RowsAsync(key.KeyId), r => r.Count == Requests, TimeSpan.FromSeconds(15), "a row for every served request");
        Assert.All(rows, r => Assert.Equal(("completed", true), (r.Outcome, r.UsageReported)));
    }
}
