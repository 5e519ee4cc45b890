using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Alerts;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// User and team budgets through the proxy: the refusal in the caller's format, the live budget on
/// the admin API, and threshold alerts on a Slack-style webhook and in the admin audit.
/// </summary>
public sealed class BudgetEndToEndTests : IAsyncLifetime
{
    // 8 prompt tokens and max_tokens 16 on gpt-4o-mini ($0.15 / $0.60 per million): 11 micro-dollars
    // reserved and, the simulator answering 16 tokens, 11 settled.
    private const long PerRequest = 11;

    private readonly string _prefix = TestStorage.NewPrefix();
    private SimulatorServer _simulator = null!;
    private WebhookReceiver _webhook = null!;
    private GatewayServer _gateway = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(_prefix);
        _simulator = await SimulatorServer.StartAsync();
        _webhook = await WebhookReceiver.StartAsync((_, _) => new WebhookReply(200));
        _gateway = await GatewayServer.StartAsync(new GatewaySettings(_prefix, "budget-" + _prefix, _simulator.BaseUrl)
        {
            Extra = new Dictionary<string, string> { ["Gateway:Alerts:WebhookUrl"] = _webhook.Url },
        });
        _admin = _gateway.CreateAdminClient();
    }

    private Task<HttpResponseMessage> ChatAsync(string key) => GatewayChat.SendAsync(_gateway.BaseUrl, key, maxTokens: 16);

    [Fact]
    public async Task A_users_cap_refuses_in_openai_format_alerts_at_each_threshold_and_shows_live_state()
    {
        using (var created = await _admin.PostAsJsonAsync("/admin/v1/users", new { id = "greta", capUsd = 4 * PerRequest / 1_000_000m, period = "daily", rpm = 100 }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var laptop = await _admin.CreateKeyAsync("greta", 1m);
        var agent = await _admin.CreateKeyAsync("greta", 1m);

        // Four requests fit the user's cap exactly, whichever key sends them; the fifth does not.
        foreach (var key in new[] { laptop, agent, laptop, agent })
        {
            using var ok = await ChatAsync(key.Key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var user = await Poll.UntilAsync(() => _admin.GetJsonAsync("/admin/v1/users/greta"),
            u => u.GetProperty("budget").GetProperty("spentMicros").GetInt64() == 4 * PerRequest, TimeSpan.FromSeconds(20), "the user's spend");
        var upstream = await _simulator.RequestCountAsync();
        using var refused = await ChatAsync(laptop.Key);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(upstream, await _simulator.RequestCountAsync());
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Contains("user 'greta'", error.GetProperty("message").GetString());

        // The refusal came from the user's budget: the key's own window counts only what it sent.
        var laptopRate = (await _admin.GetKeyAsync(laptop.KeyId)).GetProperty("rate");
        Assert.Equal((2, JsonValueKind.Null), (laptopRate.GetProperty("requestsLastMinute").GetInt32(), laptopRate.GetProperty("rpm").ValueKind));

        var budget = user.GetProperty("budget");
        Assert.Equal(4 * PerRequest, budget.GetProperty("capMicros").GetInt64());
        Assert.Equal(0, budget.GetProperty("remainingMicros").GetInt64());
        Assert.Equal(0, budget.GetProperty("reservedMicros").GetInt64());
        Assert.Equal("daily", budget.GetProperty("period").GetString());
        Assert.Equal(budget.GetProperty("periodStart").GetDateTimeOffset().AddDays(1), budget.GetProperty("periodResetsAt").GetDateTimeOffset());
        Assert.Equal(100, budget.GetProperty("rate").GetProperty("rpm").GetInt32());
        Assert.Equal(4, budget.GetProperty("rate").GetProperty("requestsLastMinute").GetInt32());
        Assert.Equal(96, budget.GetProperty("rate").GetProperty("requestsRemaining").GetInt32());

        // 50% after the second request, 80% and 100% with the fourth: one webhook call and one admin-audit row each.
        var calls = await Poll.UntilAsync(() => Task.FromResult(_webhook.Calls), c => c.Count >= 3, TimeSpan.FromSeconds(20), "three webhook calls");
        Assert.Equal(["50%", "80%", "100%"], calls.Select(c => c.Text.Contains("(50%)") ? "50%" : c.Text.Contains("(80%)") ? "80%" : c.Text.Contains("(100%)") ? "100%" : c.Text));
        Assert.All(calls, c => Assert.Contains("user greta", c.Text));
        var audit = await Poll.UntilAsync(async () => (await _admin.GetJsonAsync("/admin/v1/admin-audit?limit=100")).GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("action").GetString() == "budget.threshold").ToList(), rows => rows.Count >= 3, TimeSpan.FromSeconds(20), "three admin-audit rows");
        Assert.Equal(3, audit.Count);
        Assert.All(audit, row => Assert.Equal("user:greta", row.GetProperty("target").GetString()));
        Assert.Equal(3, _webhook.Calls.Count);

        // The provider saw the four requests served, each with its own key rather than a caller's.
        Assert.Equal(new Dictionary<string, long> { [SimulatorServer.ProviderKeyFingerprint] = 4 }, await _simulator.RequestsByCredentialAsync());
        Assert.Equal(0, await _simulator.RejectedCredentialsAsync());
    }

    [Fact]
    public async Task A_teams_cap_is_shared_by_its_members_and_changed_by_patch()
    {
        using (var created = await _admin.PostAsJsonAsync("/admin/v1/teams", new { id = "data", name = "Data", capUsd = 2 * PerRequest / 1_000_000m }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var id in new[] { "hana", "ivo" })
        {
            using var created = await _admin.PostAsJsonAsync("/admin/v1/users", new { id, teamId = "data" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var hana = await _admin.CreateKeyAsync("hana", 1m);
        var ivo = await _admin.CreateKeyAsync("ivo", 1m);
        using (var first = await ChatAsync(hana.Key))
        using (var second = await ChatAsync(ivo.Key))
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        }

        var upstream = await _simulator.RequestCountAsync();
        using (var third = await ChatAsync(hana.Key))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            var message = JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
            Assert.Contains("team 'data'", message);
            Assert.Equal(upstream, await _simulator.RequestCountAsync());
        }

        // Raising the team's cap lets the members go on; removing it (null) lifts it altogether.
        var raised = await _admin.PatchJsonAsync("/admin/v1/teams/data", new { capUsd = 3 * PerRequest / 1_000_000m });
        Assert.Equal(3 * PerRequest, raised.GetProperty("budget").GetProperty("capMicros").GetInt64());
        using (var fourth = await ChatAsync(ivo.Key))
        {
            Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
        }

        var lifted = await _admin.PatchJsonAsync("/admin/v1/teams/data", JsonDocument.Parse("""{"capUsd": null}""").RootElement);
        Assert.Equal(JsonValueKind.Null, lifted.GetProperty("budget").GetProperty("capMicros").ValueKind);
        using (var fifth = await ChatAsync(hana.Key))
        {
            Assert.Equal(HttpStatusCode.OK, fifth.StatusCode);
        }

        var team = await Poll.UntilAsync(() => _admin.GetJsonAsync("/admin/v1/teams/data"),
            t => t.GetProperty("budget").GetProperty("periodRequests").GetInt64() == 4 && t.GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0,
            TimeSpan.FromSeconds(20), "the team's spend");
        Assert.Equal(4 * PerRequest, team.GetProperty("budget").GetProperty("spentMicros").GetInt64());
        Assert.Equal(["hana", "ivo"], team.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(new Dictionary<string, long> { [SimulatorServer.ProviderKeyFingerprint] = 4 }, await _simulator.RequestsByCredentialAsync());
        Assert.Equal(0, await _simulator.RejectedCredentialsAsync());
    }

    [Fact]
    public async Task A_request_after_a_settled_one_on_the_same_connection_is_judged_on_what_that_one_cost_at_every_level()
    {
        // Each request may cost up to ~$0.0024 (max_tokens 4000) and costs ~$0.00002 (32 tokens
        // answered). Key, user and team each allow $0.003: one worst case fits, two do not. The
        // settlement is waited for off the client's connection, yet a client sending its next request
        // on the same connection is judged on what the previous one cost, not on its reservation.
        const decimal Cap = 0.003m;
        using (var created = await _admin.PostAsJsonAsync("/admin/v1/teams", new { id = "seq", name = "Sequential", capUsd = Cap }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var created = await _admin.PostAsJsonAsync("/admin/v1/users", new { id = "lena", teamId = "seq", capUsd = Cap }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var key = await _admin.CreateKeyAsync("lena", Cap);
        using var client = new HttpClient { BaseAddress = new Uri(_gateway.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
        const int Requests = 10;
        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.PostAsJsonAsync("/v1/chat/completions",
                new { model = "gpt-4o-mini", max_tokens = 4000, messages = new[] { new { role = "user", content = "x" } } });
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"request {i + 1}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Everything settles: nothing stays reserved, and each level counted every request at its cost.
        var spent = (await Poll.UntilAsync(() => _admin.GetKeyAsync(key.KeyId),
            k => k.GetProperty("reservedMicros").GetInt64() == 0 && k.GetProperty("requestCount").GetInt64() == Requests, TimeSpan.FromSeconds(20), "the key's settlements"))
            .GetProperty("spentMicros").GetInt64();
        Assert.InRange(spent, Requests, 3000 - 2402);
        foreach (var path in new[] { "/admin/v1/users/lena", "/admin/v1/teams/seq" })
        {
            var budget = (await Poll.UntilAsync(() => _admin.GetJsonAsync(path), b => b.GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0,
                TimeSpan.FromSeconds(20), path)).GetProperty("budget");
            Assert.Equal(spent, budget.GetProperty("spentMicros").GetInt64());
        }
    }

    [Fact]
    public async Task Responses_carry_the_tighter_of_the_keys_and_the_users_rate_limits_in_each_providers_headers()
    {
        using (var created = await _admin.PostAsJsonAsync("/admin/v1/users", new { id = "kai", rpm = 5, tpm = 10_000 }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var key = await _admin.CreateKeyAsync("kai", 1m);
        await _admin.PatchJsonAsync($"/admin/v1/keys/{key.KeyId}", new { rpm = 3 });

        using var openai = await ChatAsync(key.Key);
        Assert.Equal(HttpStatusCode.OK, openai.StatusCode);
        Assert.Equal("3", Header(openai, "x-ratelimit-limit-requests"));
        Assert.Equal("2", Header(openai, "x-ratelimit-remaining-requests"));
        Assert.Equal("10000", Header(openai, "x-ratelimit-limit-tokens"));
        Assert.InRange(long.Parse(Header(openai, "x-ratelimit-remaining-tokens")!, System.Globalization.CultureInfo.InvariantCulture), 9_900, 9_999);

        using var http = new HttpClient { BaseAddress = new Uri(_gateway.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-haiku-4-5", max_tokens = 16, messages = new[] { new { role = "user", content = "x" } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var anthropic = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, anthropic.StatusCode);
        Assert.Equal("3", Header(anthropic, "anthropic-ratelimit-requests-limit"));
        Assert.Equal("1", Header(anthropic, "anthropic-ratelimit-requests-remaining"));
        Assert.Equal("10000", Header(anthropic, "anthropic-ratelimit-tokens-limit"));
        Assert.Null(Header(anthropic, "x-ratelimit-limit-requests"));

        // Both formats carry the key differently (Bearer, x-api-key); the provider got its own key either way.
        Assert.Equal(new Dictionary<string, long> { [SimulatorServer.ProviderKeyFingerprint] = 2 }, await _simulator.RequestsByCredentialAsync());
        Assert.Equal(0, await _simulator.RejectedCredentialsAsync());
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;

    [Theory]
    [InlineData("""{"capUsd": "ten"}""", "capUsd")]
    [InlineData("""{"capUsd": -1}""", "capUsd")]
    [InlineData("""{"period": "hourly"}""", "period")]
    [InlineData("""{"rpm": 0}""", "rpm")]
    [InlineData("""{"tpm": 1.5}""", "tpm")]
    public async Task Bad_budget_fields_are_a_400_that_names_the_field(string body, string field)
    {
        using (await _admin.PostAsJsonAsync("/admin/v1/users", new { id = "jo" }))
        {
        }

        using var response = await _admin.PatchAsync("/admin/v1/users/jo", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, text);
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }
}
