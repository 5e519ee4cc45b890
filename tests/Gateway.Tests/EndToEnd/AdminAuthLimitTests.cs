using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Host;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 8, item 9: failed admin logins are limited per client address (429 with Retry-After), and a
/// flood of them is one counted row of the admin audit per window, so real actions stay in view.
/// </summary>
public sealed class AdminAuthLimitTests(AdminAuthLimitFixture fixture) : IClassFixture<AdminAuthLimitFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };

    public void Dispose() => _http.Dispose();

    private Task<HttpResponseMessage> GetAsync(string? bearer) => SendAsync(HttpMethod.Get, bearer, "/admin/v1/admin-audit?limit=1");

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string? bearer, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await _http.SendAsync(request);
    }

    /// <summary>Past any window a previous test left open, and past the tick that writes its count.</summary>
    private void StartClean() => fixture.Time.Advance(AdminAuthLimitFixture.Window * 3);

    [Fact]
    public async Task Failed_metrics_scrapes_count_with_the_admin_api_and_are_limited_alike()
    {
        StartClean();
        for (var i = 0; i < AdminAuthLimitFixture.Limit; i++)
        {
            // Half on the scrape, half on the admin API: one count per address.
            using var refused = i % 2 == 0 ? await SendAsync(HttpMethod.Get, null, "/metrics") : await GetAsync("gwadmin_guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var limited = await SendAsync(HttpMethod.Get, GatewayServer.AdminKey, "/metrics"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.NotNull(limited.Headers.RetryAfter);
        }

        fixture.Time.Advance(AdminAuthLimitFixture.Window);
        using var served = await SendAsync(HttpMethod.Get, GatewayServer.AdminKey, "/metrics");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task An_address_past_its_failed_attempts_gets_429_with_retry_after_until_the_window_ends()
    {
        StartClean();
        for (var i = 0; i < AdminAuthLimitFixture.Limit; i++)
        {
            using var refused = await GetAsync("gwadmin_guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        fixture.Time.Advance(TimeSpan.FromSeconds(20));
        using var limited = await GetAsync("gwadmin_guess-next");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(40), limited.Headers.RetryAfter?.Delta);
        Assert.Contains("40 s", JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // While limited, even the right key is not looked at: guessing gains nothing.
        using (var valid = await GetAsync(GatewayServer.AdminKey))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, valid.StatusCode);
        }

        fixture.Time.Advance(TimeSpan.FromSeconds(40));
        using (var valid = await GetAsync(GatewayServer.AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        }

        using var again = await GetAsync("gwadmin_guess-after");
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task A_flood_of_bad_admin_keys_is_one_counted_audit_row_and_real_actions_stay_in_view()
    {
        StartClean();
        var since = DateTimeOffset.UtcNow;
        using (var created = await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = "flood-victim" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 1100; i++)
        {
            using var response = await SendAsync(HttpMethod.Post, "gwadmin_flood-" + i, "/admin/v1/keys/somekey/revoke");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(AdminAuthLimitFixture.Limit, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(1100 - AdminAuthLimitFixture.Limit, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        // When the window closes its row gets the count; until then the address is refused anyway.
        fixture.Time.Advance(AdminAuthLimitFixture.Window * 2);
        var failures = await Poll.UntilAsync(
            async () => (await fixture.Admin.GetJsonAsync("/admin/v1/admin-audit?limit=10")).GetProperty("items").EnumerateArray()
                .Where(i => !i.GetProperty("success").GetBoolean() && i.GetProperty("at").GetDateTimeOffset() >= since).ToList(),
            rows => rows.Count == 1 && rows[0].GetProperty("attempts").GetInt32() == 1100,
            TimeSpan.FromSeconds(20), "one row counting 1100 failed attempts");
        var row = failures.Single();
        Assert.Equal((401, "somekey", JsonValueKind.Null), (row.GetProperty("status").GetInt32(), row.GetProperty("target").GetString(), row.GetProperty("actor").ValueKind));
        Assert.True(row.TryGetProperty("lastAttemptAt", out _));
        var newest = (await fixture.Admin.GetJsonAsync("/admin/v1/admin-audit?limit=10")).GetProperty("items").EnumerateArray();
        Assert.Contains(newest, i => i.GetProperty("action").GetString() == "user.create" && i.GetProperty("target").GetString() == "flood-victim");
    }

    [Theory]
    [InlineData("Gateway:Admin:FailedAttemptLimit", "0")]
    [InlineData("Gateway:Admin:FailedAttemptWindow", "00:00:00")]
    [InlineData("Gateway:Admin:MaxTrackedAddresses", "0")]
    public async Task Bad_failed_attempt_settings_fail_at_start_up(string setting, string value)
    {
        var settings = new GatewaySettings(fixture.Prefix, "bad-" + fixture.Prefix, "http://127.0.0.1:9")
        {
            Role = "frontend",
            Extra = new Dictionary<string, string> { [setting] = value },
        };
        await using var app = GatewayHostBuilder.Build(settings.ToArgs());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains(setting, error.ToString(), StringComparison.Ordinal);
    }
}
