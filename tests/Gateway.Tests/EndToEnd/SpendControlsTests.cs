using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Alerts;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Spiky spend through the proxy (docs/spend-controls.md): per-request ceilings refuse before
/// forwarding, a key's maxConcurrent holds exactly under a burst, and a retry loop raises one velocity
/// alert on the webhook and in the admin audit.
/// </summary>
public sealed class SpendControlsTests : IAsyncLifetime
{
    // 8 prompt tokens and max_tokens 16 on gpt-4o-mini ($0.15 / $0.60 per million): 11 micro-dollars.
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
        _gateway = await GatewayServer.StartAsync(new GatewaySettings(_prefix, "spiky-" + _prefix, _simulator.BaseUrl)
        {
            Extra = new Dictionary<string, string> { ["Gateway:Alerts:WebhookUrl"] = _webhook.Url },
        });
        _admin = _gateway.CreateAdminClient();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _gateway.DisposeAsync();
        await _webhook.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task A_pasted_repository_is_refused_by_maxInputTokens_with_no_upstream_call_and_a_denial_row()
    {
        var key = await CreateKeyAsync("paula", new { maxInputTokens = 2000 });
        var repository = string.Concat(Enumerable.Range(0, 3000).Select(i => $"public int Method{i}(int x) => x * {i};\n"));
        var upstream = await _simulator.RequestCountAsync();

        using var refused = await GatewayChat.SendAsync(_gateway.BaseUrl, key.Key, maxTokens: 16, content: repository);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
        Assert.Contains("maxInputTokens", error.GetProperty("message").GetString());
        Assert.Contains("the key", error.GetProperty("message").GetString());
        Assert.Equal(upstream, await _simulator.RequestCountAsync());

        var requestId = refused.Headers.GetValues("x-gateway-request-id").Single();
        var row = await Poll.UntilAsync(() => _admin.GetJsonAsync($"/admin/v1/audit?keyId={key.KeyId}"),
            page => page.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("requestId").GetString() == requestId), TimeSpan.FromSeconds(20), "the denial row");
        var item = row.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("requestId").GetString() == requestId);
        Assert.Equal("denied", item.GetProperty("outcome").GetString());
        Assert.Equal("RequestTooLarge", item.GetProperty("denial").GetString());

        // A prompt within the ceiling is served.
        using var small = await GatewayChat.SendAsync(_gateway.BaseUrl, key.Key, maxTokens: 16);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task A_teams_maxRequestUsd_refuses_an_expensive_request_and_admits_a_cheap_one()
    {
        using (var team = await _admin.PostAsJsonAsync("/admin/v1/teams", new { id = "frugal", maxRequestUsd = 0.001m }))
        {
            Assert.Equal(HttpStatusCode.Created, team.StatusCode);
            var controls = JsonDocument.Parse(await team.Content.ReadAsStringAsync()).RootElement.GetProperty("budget").GetProperty("spendControls");
            Assert.Equal((1000, "0.001"), (controls.GetProperty("maxRequestMicros").GetInt64(), controls.GetProperty("maxRequestUsd").GetString()));
        }

        using (await _admin.PostAsJsonAsync("/admin/v1/users", new { id = "tom", teamId = "frugal" }))
        {
        }

        var key = await _admin.CreateKeyAsync("tom", 1m);
        var upstream = await _simulator.RequestCountAsync();

        // 4000 output tokens at $0.60 per million: $0.0024 at worst, above the team's $0.001.
        using var expensive = await GatewayChat.SendAsync(_gateway.BaseUrl, key.Key, maxTokens: 4000);
        Assert.Equal(HttpStatusCode.BadRequest, expensive.StatusCode);
        var message = JsonDocument.Parse(await expensive.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains("team 'frugal'", message);
        Assert.Contains("maxRequestUsd", message);
        Assert.Equal(upstream, await _simulator.RequestCountAsync());

        using var cheap = await GatewayChat.SendAsync(_gateway.BaseUrl, key.Key, maxTokens: 16);
        Assert.Equal(HttpStatusCode.OK, cheap.StatusCode);
        Assert.Equal(upstream + 1, await _simulator.RequestCountAsync());

        // The key's hold and the user's were given back: nothing stays reserved for the refused request.
        var user = await Poll.UntilAsync(() => _admin.GetJsonAsync("/admin/v1/users/tom"),
            u => u.GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0, TimeSpan.FromSeconds(20), "the user's holds released");
        Assert.Equal(PerRequest, user.GetProperty("budget").GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task MaxConcurrent_holds_exactly_under_100_concurrent_requests_and_frees_slots_on_settlement()
    {
        const int Limit = 10;
        var key = await CreateKeyAsync("connie", new { maxConcurrent = Limit });
        Assert.Equal(Limit, (await _admin.GetKeyAsync(key.KeyId)).GetProperty("spendControls").GetProperty("maxConcurrent").GetInt32());
        var upstream = await _simulator.RequestCountAsync();

        // Each admitted request stays at the simulator for 4 s, so all 100 Begins meet the first ten in flight.
        using var http = new HttpClient { BaseAddress = new Uri(_gateway.BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => SendAsync(http, key.Key, "[sim:latency=4000] hello")));

        var ok = responses.Count(r => r.Status == HttpStatusCode.OK);
        var limited = responses.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(Limit, ok);
        Assert.Equal(100 - Limit, limited.Count);
        Assert.All(limited, r => Assert.Contains("maxConcurrent", r.Body));
        Assert.All(limited, r => Assert.Contains("rate_limit_exceeded", r.Body));
        Assert.All(limited, r => Assert.NotNull(r.RetryAfter));
        Assert.Equal(upstream + Limit, await _simulator.RequestCountAsync());
        Assert.InRange(await _simulator.PeakInFlightAsync(), 1, Limit);

        // The slots come back with the settlements: the next wave is admitted again.
        await Poll.UntilAsync(() => _admin.GetKeyAsync(key.KeyId), k => k.GetProperty("inFlight").GetInt32() == 0, TimeSpan.FromSeconds(20), "the key's requests settled");
        var second = await Task.WhenAll(Enumerable.Range(0, Limit).Select(_ => SendAsync(http, key.Key, "again")));
        Assert.All(second, r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task A_retry_loop_raises_one_velocity_alert_on_the_webhook_and_in_the_admin_audit_within_its_window()
    {
        // $0.0001 an hour is 16.7 micro-dollars per default 10-minute window: the second 11-micro-dollar request passes it.
        var key = await CreateKeyAsync("rita", new { velocityUsdPerHour = 0.0001m });
        var started = DateTimeOffset.UtcNow;
        for (var i = 0; i < 20; i++)
        {
            using var response = await GatewayChat.SendAsync(_gateway.BaseUrl, key.Key, maxTokens: 16, content: "same request");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var audit = await Poll.UntilAsync(async () => (await _admin.GetJsonAsync("/admin/v1/admin-audit?action=budget.velocity&limit=100")).GetProperty("items").EnumerateArray().ToList(),
            rows => rows.Count >= 1, TimeSpan.FromSeconds(20), "a velocity row in the admin audit");
        var calls = await Poll.UntilAsync(() => Task.FromResult(_webhook.Calls.Where(c => c.Text.StartsWith("Velocity alert", StringComparison.Ordinal)).ToList()),
            c => c.Count >= 1, TimeSpan.FromSeconds(20), "a velocity alert on the webhook");

        // Once per episode: the twenty requests of the loop raise one alert, for the key (the user has no fixed rate).
        var row = Assert.Single(audit);
        Assert.Equal($"key:{key.KeyId}", row.GetProperty("target").GetString());
        Assert.Single(calls);
        Assert.Contains($"key {key.KeyId} (user rita)", calls[0].Text);
        Assert.Contains("over its limit of $0.0001 an hour", calls[0].Text);
        Assert.True(calls[0].At - started < TimeSpan.FromMinutes(10), $"the alert came {calls[0].At - started} after the loop started");
    }

    [Theory]
    [InlineData("/admin/v1/keys", """{"userId": "vera", "capUsd": 1, "maxRequestUsd": 0}""", "maxRequestUsd")]
    [InlineData("/admin/v1/keys", """{"userId": "vera", "capUsd": 1, "maxRequestUsd": "0.5"}""", "maxRequestUsd")]
    [InlineData("/admin/v1/keys", """{"userId": "vera", "capUsd": 1, "maxRequestUsd": 0.0000001}""", "maxRequestUsd")]
    [InlineData("/admin/v1/keys", """{"userId": "vera", "capUsd": 1, "maxInputTokens": 0}""", "maxInputTokens")]
    [InlineData("/admin/v1/keys", """{"userId": "vera", "capUsd": 1, "maxConcurrent": 1.5}""", "maxConcurrent")]
    [InlineData("/admin/v1/keys", """{"userId": "vera", "capUsd": 1, "velocityMultiple": 1001}""", "velocityMultiple")]
    [InlineData("/admin/v1/keys", """{"userId": "vera", "capUsd": 1, "velocityUsdPerHour": -1}""", "velocityUsdPerHour")]
    [InlineData("/admin/v1/users", """{"id": "vic", "maxConcurrent": 3}""", "maxConcurrent")]
    [InlineData("/admin/v1/teams", """{"id": "vteam", "velocityMultiple": 3}""", "velocityMultiple")]
    public async Task Bad_spend_controls_are_a_400_naming_the_field(string path, string body, string field)
    {
        await _admin.EnsureUserAsync("vera");
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _admin.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync());
    }

    private async Task<CreatedKey> CreateKeyAsync(string userId, object controls)
    {
        await _admin.EnsureUserAsync(userId);
        var body = JsonSerializer.SerializeToNode(controls, JsonSerializerOptions.Web)!.AsObject();
        body["userId"] = userId;
        body["capUsd"] = 1;
        using var response = await _admin.PostAsJsonAsync("/admin/v1/keys", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create key: {(int)response.StatusCode} {text}");
        var json = JsonDocument.Parse(text).RootElement;
        return new CreatedKey(json.GetProperty("keyId").GetString()!, json.GetProperty("key").GetString()!);
    }

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan? RetryAfter)> SendAsync(HttpClient http, string key, string content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 16, messages = new[] { new { role = "user", content } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.Delta);
    }
}
