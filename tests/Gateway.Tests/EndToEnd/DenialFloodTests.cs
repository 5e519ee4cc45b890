using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A flood of bad keys from one address: it is stopped after a bounded number of failures, it
/// cannot bury a key's ledger, and every refusal is still on the record, counted.
/// </summary>
public sealed class DenialFloodTests(DenialFloodTests.Fixture fixture) : IClassFixture<DenialFloodTests.Fixture>
{
    private const int FailuresAllowed = 50;

    /// <summary>A low failure limit and short aggregation windows, so the whole flood is counted within the test.</summary>
    public sealed class Fixture : GatewayFixture
    {
        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
        {
            ["Gateway:Frontend:FailedAuthPerMinute"] = FailuresAllowed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Frontend:DenialAggregationWindow"] = "00:00:02",
            ["Gateway:Keys:DenialAggregationWindow"] = "00:00:02",
            ["Gateway:Keys:SweepInterval"] = "00:00:01",
            ["Gateway:Frontend:TrustedProxies:0"] = "127.0.0.1",
        };
    }

    [Fact]
    public async Task Bad_keys_from_one_address_are_throttled_and_recorded_as_counted_rows()
    {
        var key = await fixture.Admin.CreateKeyAsync("flood-target", 1m);
        var before = await fixture.Simulator.RequestCountAsync();

        // 30 made-up key ids, then 220 tries of the real key id with a wrong secret. Repeats within one
        // aggregation window (2 s) share a row; on a loaded machine a phase may span more than one.
        var statuses = new List<HttpStatusCode>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            statuses.Add(await SendAsync($"gw_madeup{i:D4}_{new string('s', 43)}"));
        }

        var madeUpPhase = clock.Elapsed;
        clock.Restart();
        for (var i = 0; i < 220; i++)
        {
            statuses.Add(await SendAsync($"gw_{key.KeyId}_{new string('w', 43)}"));
        }

        var wrongSecretPhase = clock.Elapsed;

        // Each window a run of repeats touched gives at most its first row and one counted row.
        static int MostRows(TimeSpan phase) => 2 * (1 + (int)(phase / TimeSpan.FromSeconds(2)));

        // The first 50 failures are 401s; from then on the address waits, with Retry-After.
        Assert.Equal(FailuresAllowed, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.All(statuses.Skip(FailuresAllowed), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());

        // The key's ledger: the 20 wrong secrets are one row and one counted row, not 20 (nor 220).
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId),
            r => r.Sum(x => x.Count) == 20, TimeSpan.FromSeconds(30), "the key's denials counted", r => string.Join("; ", r.Select(x => $"{x.Outcome} {x.Denial} x{x.Count}")));
        Assert.InRange(rows.Count, 2, MostRows(wrongSecretPhase));
        Assert.All(rows, r => Assert.Equal(("denied", "UnknownKey"), (r.Outcome, r.Denial)));
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(key.KeyId, CancellationToken.None)).Ok);

        // What no key owns: 30 unknown ids (a row, then 29 counted) and 200 throttled (a row, then 199 counted).
        var unattributed = await Poll.UntilAsync(() => fixture.Ledger.UnattributedCountsAsync(),
            r => r.Where(x => x.Reason == "unknown_key").Sum(x => x.Count) == 30 && r.Where(x => x.Reason == "auth_throttled").Sum(x => x.Count) == 200,
            TimeSpan.FromSeconds(30), "the unattributed refusals counted");
        Assert.InRange(unattributed.Count(r => r.Reason == "unknown_key"), 2, MostRows(madeUpPhase));
        Assert.InRange(unattributed.Count(r => r.Reason == "auth_throttled"), 2, MostRows(wrongSecretPhase));
        Assert.All(unattributed.Where(r => r.Reason == "auth_throttled"), r => Assert.Equal(429, r.Status));
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < FailuresAllowed + 1; i++)
        {
            statuses.Add(await SendAsync("not-a-gateway-key", forwardedFor: "203.0.113.5"));
        }

        // One client behind the proxy used up its failures; another behind the same proxy has not.
        Assert.Equal(FailuresAllowed, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("not-a-gateway-key", forwardedFor: "203.0.113.6"));

        var rows = await Poll.UntilAsync(() => fixture.Ledger.UnattributedCountsAsync(),
            r => r.Where(x => x.ClientAddress == "203.0.113.5" && x.Reason == "malformed_or_missing_key").Sum(x => x.Count) == FailuresAllowed,
            TimeSpan.FromSeconds(30), "the forwarded client's refusals counted");
        Assert.Contains(rows, r => r.ClientAddress == "203.0.113.6");
    }

    private async Task<HttpStatusCode> SendAsync(string key, string? forwardedFor = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Assert.NotNull(response.Headers.RetryAfter);
        }

        return response.StatusCode;
    }
}
