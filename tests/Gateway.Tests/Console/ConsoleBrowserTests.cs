using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Console;

/// <summary>
/// The operator console in headless Chromium: sign-in, live spend, revoking from the page, a
/// viewer's view and refused forgery, and finding a request by its id. Every wait is Playwright's
/// auto-waiting with a deadline; each page's screenshot is saved under artifacts/console.
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleBrowserFixture fixture) : IClassFixture<ConsoleBrowserFixture>
{
    [Fact]
    public async Task Sign_in_opens_the_console_and_keeps_no_key_in_the_page()
    {
        var page = await SignInAsync(GatewayServer.AdminKey);
        await Expect(page.Locator("#whoami")).ToContainTextAsync("(admin)");
        await Expect(page.Locator("[data-testid=health]")).ToContainTextAsync("reachable", new() { Timeout = 30_000 });

        var held = await page.EvaluateAsync<string>("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie + document.documentElement.outerHTML");
        Assert.DoesNotContain(GatewayServer.AdminKey, held);
        Assert.DoesNotContain("gateway_console", held);
        await Screenshot(page, "overview");
    }

    [Fact]
    public async Task A_users_spend_rises_live_without_a_reload()
    {
        var key = await fixture.Admin.CreateKeyAsync("lena", 5m);
        var page = await SignInAsync(GatewayServer.AdminKey);
        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/console#/users?user=lena");
        var spent = page.Locator("[data-testid=user-spent]");
        await Expect(spent).ToHaveTextAsync("$0.00 spent");
        await page.EvaluateAsync("() => { window.notReloaded = true; }");

        for (var i = 0; i < 3; i++)
        {
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 50, content: "hello there");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Expect(spent).Not.ToHaveTextAsync("$0.00 spent", new() { Timeout = 30_000 });
        await Expect(spent).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\$0\.0*[1-9]\d* spent$|^\$\d+\.\d+ spent$"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page was reloaded");
        await Expect(page.Locator($"[data-testid=key-row-{key.KeyId}]")).ToBeVisibleAsync();
        await Screenshot(page, "users");
    }

    [Fact]
    public async Task A_velocity_alert_stands_out_on_the_overview_and_opens_the_key_under_a_banner()
    {
        // A limit of $0.0001 an hour: the first request's spend, as an hourly rate, passes it.
        await fixture.Admin.EnsureUserAsync("vito");
        using var created = await fixture.Admin.PostAsJsonAsync("/admin/v1/keys", new { userId = "vito", capUsd = 5m, velocityUsdPerHour = 0.0001m });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var createdBody = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var (keyId, secret) = (createdBody.RootElement.GetProperty("keyId").GetString()!, createdBody.RootElement.GetProperty("key").GetString()!);
        using (var chat = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, secret, maxTokens: 50, content: "again and again"))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        await Poll.UntilAsync(async () => (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?action=budget.velocity&target=key:{keyId}")).GetProperty("items").GetArrayLength(),
            n => n >= 1, TimeSpan.FromSeconds(30), "the key's velocity alert in the admin audit");

        var page = await SignInAsync(GatewayServer.AdminKey);
        var row = page.Locator($"[data-testid='alert-budget.velocity-key:{keyId}']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(row).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("alert-velocity"));
        await Screenshot(page, "velocity-alert");

        await row.ClickAsync();
        await Expect(page.Locator("[data-testid=velocity-alert]")).ToContainTextAsync("Spend rising fast", new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=key-status]")).ToHaveTextAsync("active");
    }

    [Fact]
    public async Task A_key_revoked_from_the_page_is_refused_on_its_next_request()
    {
        var key = await fixture.Admin.CreateKeyAsync("rhea", 5m);
        using (var before = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var page = await SignInAsync(GatewayServer.AdminKey);
        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/console#/keys?key={key.KeyId}");
        await Expect(page.Locator("[data-testid=key-status]")).ToHaveTextAsync("active");
        await page.Locator("[data-testid=revoke]").ClickAsync();
        await page.Locator("[data-testid=confirm-revoke]").ClickAsync();
        await Expect(page.Locator("[data-testid=action-result]")).ToHaveTextAsync("Key revoked.");
        await Expect(page.Locator("[data-testid=key-status]")).ToContainTextAsync("revoked", new() { Timeout = 30_000 });

        // A revoked key can no longer be changed: the page stops offering it.
        await Expect(page.Locator("[data-testid=revoke]")).ToBeDisabledAsync();
        await Expect(page.Locator("[data-testid=set-cap]")).ToBeDisabledAsync();

        using var after = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var row = (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?action=key.revoke&target={key.KeyId}")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(Gateway.Core.Keys.ApiKeyFormat.Hash(GatewayServer.AdminKey)[..12], row.GetProperty("actor").GetString());
        Assert.True(row.GetProperty("success").GetBoolean());
        await Screenshot(page, "keys");
    }

    [Fact]
    public async Task A_viewer_finds_no_write_action_and_a_forged_one_is_refused()
    {
        var key = await fixture.Admin.CreateKeyAsync("vito", 5m);
        using var minted = await fixture.Admin.PostAsJsonAsync("/admin/v1/admin-keys", new { name = "console-viewer", role = "viewer" });
        var viewerKey = JsonDocument.Parse(await minted.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;

        var page = await SignInAsync(viewerKey);
        await Expect(page.Locator("#whoami")).ToContainTextAsync("(viewer)");
        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/console#/keys?key={key.KeyId}");
        await Expect(page.Locator("[data-testid=key-status]")).ToHaveTextAsync("active");
        await Expect(page.Locator("[data-testid=key-actions]")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Revoke" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Rotate" })).ToHaveCountAsync(0);

        // The forged call carries everything the page could: the cookie and the session's CSRF token.
        var status = await page.EvaluateAsync<int>("""
            async keyId => {
              const session = await (await fetch('/console/session')).json();
              const response = await fetch(`/admin/v1/keys/${keyId}/revoke`, { method: 'POST', headers: { 'X-Gateway-Csrf': session.csrf } });
              return response.status;
            }
            """, key.KeyId);
        Assert.Equal(403, status);
        Assert.Equal("active", (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("status").GetString());
        await Screenshot(page, "keys-viewer");
    }

    [Fact]
    public async Task A_request_is_found_by_its_id()
    {
        var key = await fixture.Admin.CreateKeyAsync("wade", 5m);
        using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20, content: "find me");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-gateway-request-id").Single();

        var page = await SignInAsync(GatewayServer.AdminKey);
        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/console#/who");
        await page.Locator("[data-testid=who-requestId]").FillAsync(requestId);
        await page.Locator("[data-testid=who-search]").ClickAsync();
        var row = page.Locator($"[data-testid=audit-row-{requestId}]");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(row).ToContainTextAsync(key.KeyId);
        await Expect(page.Locator("[data-testid=who-results] tbody tr")).ToHaveCountAsync(1);
        await row.ClickAsync();
        await Expect(page.Locator("[data-testid=who-detail]")).ToContainTextAsync($"Request {requestId}");
        await Screenshot(page, "who-did-this");

        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/console#/admin-audit");
        await Expect(page.Locator("[data-testid=admin-audit]")).ToContainTextAsync("console.signin");
        await Screenshot(page, "admin-audit");
    }

    [Fact]
    public async Task The_cluster_page_shows_the_silo_with_activations_and_the_dashboard_opens_only_when_signed_in()
    {
        var key = await fixture.Admin.CreateKeyAsync("cyd", 5m);
        using (var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20, content: "activate"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var page = await SignInAsync(GatewayServer.AdminKey);
        await Expect(page.Locator("[data-testid=spend-over-time] svg rect").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=requests-over-time] svg rect").First).ToBeVisibleAsync();
        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/console#/cluster");
        await Expect(page.Locator("[data-testid=silo-row]").First).ToContainTextAsync("Active");
        await Expect(page.Locator("[data-testid=silo-activations]").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9][0-9,]*$"));
        await Expect(page.Locator("[data-testid=journal-intents]")).ToContainTextAsync("requests");
        await Expect(page.Locator("[data-testid=storage-calls]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=probe]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[\d.,]+ ms$"));

        // One account (main, and keys-0 the same one): no list of accounts.
        await Expect(page.Locator("[data-testid=probe-main]")).ToHaveCountAsync(0);
        await Screenshot(page, "cluster");

        // A second account that stops answering, as the API reports it: the page names it.
        var failing = await SignInAsync(GatewayServer.AdminKey);
        await failing.RouteAsync("**/admin/v1/cluster", async route =>
        {
            var answer = await route.FetchAsync();
            var report = System.Text.Json.Nodes.JsonNode.Parse(await answer.TextAsync())!;
            var probe = report["probe"]!;
            probe["reachable"] = false;
            probe["milliseconds"] = 5000.3;
            probe["accounts"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject
            {
                ["holds"] = "keys-1", ["account"] = "gwkeys1", ["reachable"] = false, ["milliseconds"] = 5000.3,
            });
            await route.FulfillAsync(new() { Response = answer, Body = report.ToJsonString() });
        });
        await failing.GotoAsync($"{fixture.Gateway.BaseUrl}/console#/cluster");
        await Expect(failing.Locator("[data-testid=probe]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^unreachable after"));
        await Expect(failing.Locator("[data-testid=probe-keys-1]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^unreachable after 5,?000"));
        await Expect(failing.Locator("[data-testid=probe-main]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[\d.,]+ ms$"));
        await Screenshot(failing, "cluster-account-down");

        // The link opens the dashboard in the signed-in browser: its page, and its data calls answered.
        var href = await page.Locator("[data-testid=dashboard]").GetAttributeAsync("href");
        Assert.Equal("/console/dashboard/", href);
        var dashboard = await page.Context.NewPageAsync();
        await dashboard.RunAndWaitForResponseAsync(
            () => dashboard.GotoAsync($"{fixture.Gateway.BaseUrl}{href}"),
            r => r.Url.Contains("/console/dashboard/", StringComparison.Ordinal) && r.Url.Contains("ClusterStats", StringComparison.Ordinal) && r.Status == 200);
        await Expect(dashboard).ToHaveTitleAsync("Orleans Dashboard");
        await Screenshot(dashboard, "dashboard");

        // A browser that never signed in is sent to the sign-in form.
        await using var stranger = await fixture.Browser.NewContextAsync();
        var anonymous = await stranger.NewPageAsync();
        await anonymous.GotoAsync($"{fixture.Gateway.BaseUrl}{href}");
        await Expect(anonymous.Locator("#signin")).ToBeVisibleAsync();
        Assert.EndsWith("/console", anonymous.Url, StringComparison.Ordinal);
    }

    /// <summary>A fresh browser context (its own cookies), signed in through the page's form.</summary>
    private async Task<IPage> SignInAsync(string adminKey)
    {
        var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 800 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/console");
        await page.Locator("#signin-key").FillAsync(adminKey);
        await page.Locator("#signin-submit").ClickAsync();
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
        return page;
    }

    private static async Task Screenshot(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleBrowserFixture.Artifacts, name + ".png"), FullPage = true });
}
