using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Frontend.Console;
using Gateway.Tests.EndToEnd;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Console;

/// <summary>
/// The cluster page's API (<c>GET /admin/v1/cluster</c>), the hourly usage its charts read, and the
/// Orleans Dashboard behind the console's sign-in, over real HTTP.
/// </summary>
public sealed class ConsoleClusterTests(DashboardGatewayFixture fixture) : IClassFixture<DashboardGatewayFixture>
{
    [Fact]
    public async Task A_viewer_reads_the_silos_their_activations_the_journal_backlog_and_storage_latency()
    {
        var key = await fixture.Admin.CreateKeyAsync("clem", 5m);
        using (var chat = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 10, content: "count me"))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        var viewer = await MintAdminKeyAsync("viewer");
        using var http = Bearer(viewer);
        var report = await Poll.UntilAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync("/admin/v1/cluster")).RootElement,
            r => r.GetProperty("storage").GetProperty("calls").GetInt32() > 0,
            TimeSpan.FromSeconds(30), "a storage call in this front-end's window", r => r.ToString());

        var silo = Assert.Single(report.GetProperty("silos").EnumerateArray());
        Assert.Equal("Active", silo.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(silo.GetProperty("address").GetString()));
        Assert.True(silo.GetProperty("startedAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        // The key's grain, its user's budget grain and more are active on the one silo.
        Assert.True(silo.GetProperty("activations").GetInt32() > 0);
        Assert.Equal(silo.GetProperty("activations").GetInt32(), report.GetProperty("activations").GetInt64());

        var journal = report.GetProperty("journal");
        Assert.True(journal.GetProperty("intents").GetInt64() >= 0);
        Assert.True(journal.GetProperty("settled").GetInt64() >= 0);
        Assert.True(journal.GetProperty("partitions").GetInt32() > 0);
        Assert.True(report.GetProperty("probe").GetProperty("reachable").GetBoolean());
        var accounts = report.GetProperty("probe").GetProperty("accounts").EnumerateArray().ToList();
        Assert.Equal(["main", "keys-0"], accounts.Select(a => a.GetProperty("holds").GetString()));
        Assert.All(accounts, a => Assert.True(a.GetProperty("reachable").GetBoolean() && a.GetProperty("milliseconds").GetDouble() > 0));
        Assert.True(report.GetProperty("storage").GetProperty("p95Ms").GetDouble() > 0);
        Assert.Equal(ConsoleDashboard.Path, report.GetProperty("dashboard").GetString());
    }

    [Fact]
    public async Task The_cluster_report_is_refused_to_anonymous_callers_and_read_with_a_viewers_session()
    {
        using var anonymous = NewClient();
        using var refused = await anonymous.GetAsync("/admin/v1/cluster");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var (cookie, _) = await SignInAsync((await MintAdminKeyAsync("viewer")));
        using var read = await SendAsync("/admin/v1/cluster", cookie);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Usage_by_hour_puts_this_hours_requests_and_spend_in_this_hours_row()
    {
        var key = await fixture.Admin.CreateKeyAsync("hana", 5m);
        for (var i = 0; i < 2; i++)
        {
            using var chat = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 10, content: "hourly " + i);
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        var hour = DateTimeOffset.UtcNow.AddHours(-1);
        // Rollups are written as the ledger is copied behind the journal (a few seconds' linger): wait for the key's.
        var byKey = await Poll.UntilAsync(
            () => fixture.Admin.GetJsonAsync($"/admin/v1/usage?groupBy=key&from={Uri.EscapeDataString(hour.ToString("O"))}"),
            r => r.GetProperty("rows").EnumerateArray().Any(row => row.GetProperty("group").GetString() == key.KeyId && row.GetProperty("requests").GetInt64() == 2),
            TimeSpan.FromSeconds(30), "both requests in the key's usage rollup", r => r.ToString());
        var keySpend = byKey.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("group").GetString() == key.KeyId).GetProperty("costMicros").GetInt64();
        var byHour = await fixture.Admin.GetJsonAsync($"/admin/v1/usage?groupBy=hour&from={Uri.EscapeDataString(hour.ToString("O"))}");
        var rows = byHour.GetProperty("rows").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        var groups = rows.Select(r => r.GetProperty("group").GetString()!).ToList();
        Assert.Equal(groups.Order(StringComparer.Ordinal), groups);
        Assert.All(groups, g => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$", g));
        Assert.True(rows.Sum(r => r.GetProperty("requests").GetInt64()) >= 2);
        Assert.True(rows.Sum(r => r.GetProperty("costMicros").GetInt64()) >= keySpend);
        Assert.Equal(byHour.GetProperty("totalCostMicros").GetInt64(), rows.Sum(r => r.GetProperty("costMicros").GetInt64()));

        using var anonymous = NewClient();
        using var refused = await anonymous.GetAsync("/admin/v1/usage?groupBy=hour");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_is_served_only_to_an_admins_session()
    {
        using var anonymous = NewClient();
        using var page = new HttpRequestMessage(HttpMethod.Get, ConsoleDashboard.Path + "/");
        page.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var redirected = await anonymous.SendAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/console", redirected.Headers.Location?.OriginalString);
        using var poll = await anonymous.GetAsync(ConsoleDashboard.Path + "/ClusterStats");
        Assert.Equal(HttpStatusCode.Unauthorized, poll.StatusCode);

        var (viewer, _) = await SignInAsync(await MintAdminKeyAsync("viewer"));
        using var forbidden = await SendAsync(ConsoleDashboard.Path + "/ClusterStats", viewer);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var (admin, _) = await SignInAsync(GatewayServer.AdminKey);
        using var index = await SendAsync(ConsoleDashboard.Path + "/", admin);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Contains("html", index.Content.Headers.ContentType?.MediaType ?? "");
        using var stats = await SendAsync(ConsoleDashboard.Path + "/ClusterStats", admin);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);

        // The dashboard's log stream is off: logs are not a page's to show.
        using var trace = await SendAsync(ConsoleDashboard.Path + "/Trace", admin);
        Assert.NotEqual(HttpStatusCode.OK, trace.StatusCode);
    }

    private async Task<(string Cookie, string Csrf)> SignInAsync(string key)
    {
        using var http = NewClient();
        using var response = await http.PostAsJsonAsync("/console/session", new { key });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csrf = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf").GetString()!;
        return (response.Headers.GetValues("Set-Cookie").Single().Split(';')[0], csrf);
    }

    private async Task<string> MintAdminKeyAsync(string role)
    {
        using var response = await fixture.Admin.PostAsJsonAsync("/admin/v1/admin-keys", new { name = "cluster-" + role, role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string cookie)
    {
        using var http = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private HttpClient Bearer(string key)
    {
        var http = NewClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private HttpClient NewClient() => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
}

/// <summary>A gateway with the Orleans Dashboard on (it is off by default).</summary>
public class DashboardGatewayFixture : GatewayFixture
{
    protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string> { ["Gateway:Console:Dashboard"] = "true" };
}
