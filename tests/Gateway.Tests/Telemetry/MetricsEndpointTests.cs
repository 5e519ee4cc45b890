using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.EndToEnd;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Telemetry;

/// <summary>The Prometheus scrape at /metrics: what a known workload shows, and who may read it.</summary>
public sealed class MetricsEndpointTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Three_requests_show_token_usage_count_3_and_the_ledgers_spend_for_their_team()
    {
        var team = "tm" + Guid.NewGuid().ToString("N")[..8];
        var user = "u" + Guid.NewGuid().ToString("N")[..8];
        using (var created = await fixture.Admin.PostAsJsonAsync("/admin/v1/teams", new { id = team, name = team }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var created = await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = user, name = user, teamId = team }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var key = await fixture.Admin.CreateKeyAsync(user, 5m);
        var before = await ScrapeAsync(fixture.Admin);
        var (inputBefore, outputBefore) = (TokenUsageCount(before, "gpt-4o-mini", "input"), TokenUsageCount(before, "gpt-4o-mini", "output"));

        for (var i = 0; i < 3; i++)
        {
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, 20, "hello " + i);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await fixture.Ledger.CopiedAsync(key.KeyId, 3);
        var ledgerSpend = (await fixture.Ledger.RowsAsync(key.KeyId)).Sum(r => r.CostMicros);
        Assert.True(ledgerSpend > 0, "the simulator's usage is priced");

        // Spend is counted as the key's grain makes each settlement durable, after the response has ended.
        var metrics = await Poll.UntilAsync(() => ScrapeAsync(fixture.Admin),
            text => Sum(text, "gateway_spend", $"team=\"{team}\"") == ledgerSpend && TokenUsageCount(text, "gpt-4o-mini", "input") - inputBefore == 3,
            TimeSpan.FromSeconds(20), $"spend of team {team} equal to the ledger's {ledgerSpend}",
            text => string.Join('\n', text.Split('\n').Where(l => l.Contains(team, StringComparison.Ordinal) || l.StartsWith("gen_ai_client_token_usage_count", StringComparison.Ordinal))));

        Assert.Equal(3, TokenUsageCount(metrics, "gpt-4o-mini", "output") - outputBefore);
        Assert.Contains("gen_ai_client_operation_duration", metrics, StringComparison.Ordinal);
        Assert.Contains("gen_ai_provider_name=\"openai\"", metrics, StringComparison.Ordinal);
        Assert.Contains("gen_ai_operation_name=\"chat\"", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_requests_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_journal_batch_size", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_storage_duration", metrics, StringComparison.Ordinal);
        // Bounded labels: no key or user ever names a series.
        Assert.DoesNotContain(key.KeyId, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(user, metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_are_counted_by_outcome_and_reason()
    {
        var key = await fixture.Admin.CreateKeyAsync("denied-" + Guid.NewGuid().ToString("N")[..6], 5m);
        await fixture.Admin.RevokeKeyAsync(key.KeyId);
        var before = await ScrapeAsync(fixture.Admin);

        using (var revoked = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, 10))
        using (var malformed = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, "not-a-gateway-key", 10))
        {
            Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (revoked.StatusCode, malformed.StatusCode));
        }

        var after = await ScrapeAsync(fixture.Admin);
        Assert.Equal(1, Sum(after, "gateway_denials", "reason=\"revoked\"") - Sum(before, "gateway_denials", "reason=\"revoked\""));
        Assert.Equal(1, Sum(after, "gateway_denials", "reason=\"malformed_or_missing_key\"") - Sum(before, "gateway_denials", "reason=\"malformed_or_missing_key\""));
        Assert.Equal(2, Sum(after, "gateway_requests", "outcome=\"denied\"") - Sum(before, "gateway_requests", "outcome=\"denied\""));
    }

    [Fact]
    public async Task Metrics_are_refused_to_anonymous_callers_and_a_user_key_and_served_to_every_admin_role()
    {
        using (var anonymous = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) })
        {
            using var refused = await anonymous.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("gateway_", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var userKey = await fixture.Admin.CreateKeyAsync("metrics-reader", 1m);
        using (var asUser = As(userKey.Key))
        {
            using var refused = await asUser.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        foreach (var role in new[] { "viewer", "auditor", "admin" })
        {
            using var minted = await fixture.Admin.PostAsJsonAsync("/admin/v1/admin-keys", new { name = role + "-scraper", role });
            Assert.Equal(HttpStatusCode.Created, minted.StatusCode);
            var adminKey = JsonDocument.Parse(await minted.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
            using var http = As(adminKey);
            using var served = await http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.StartsWith("text/plain", served.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        }
    }

    private HttpClient As(string bearer)
    {
        var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }

    private static async Task<string> ScrapeAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics: {(int)response.StatusCode} {text}");
        return text;
    }

    private static long TokenUsageCount(string metrics, string model, string type) =>
        Sum(metrics, "gen_ai_client_token_usage_count", $"gen_ai_request_model=\"{model}\"", $"gen_ai_token_type=\"{type}\"");

    private static long Sum(string metrics, string name, params string[] labels) => PrometheusText.Sum(metrics, name, labels);
}
