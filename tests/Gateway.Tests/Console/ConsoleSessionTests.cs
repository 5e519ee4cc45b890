using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Frontend.Console;
using Gateway.Tests.EndToEnd;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Console;

/// <summary>The console's sign-in over real HTTP: the cookie, CSRF, roles, revocation and the admin audit.</summary>
public sealed class ConsoleSessionTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Sign_in_sets_an_HttpOnly_SameSite_Strict_cookie_that_ends_with_the_session()
    {
        using var http = NewClient();
        var before = DateTimeOffset.UtcNow;
        using var response = await http.PostAsJsonAsync("/console/session", new { key = GatewayServer.AdminKey });
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(GatewayServer.AdminKey, body);

        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var attributes = setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.StartsWith(ConsoleSessions.CookieName + "=", setCookie);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        // Plain http here: a Secure cookie would never come back; over https it is set (CookieFor).
        Assert.DoesNotContain("secure", attributes);
        var expires = DateTimeOffset.Parse(attributes.Single(a => a.StartsWith("expires=", StringComparison.Ordinal))["expires=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, before.AddHours(8).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(8).AddMinutes(1));

        var session = JsonDocument.Parse(body).RootElement;
        Assert.Equal("admin", session.GetProperty("role").GetString());
        Assert.False(string.IsNullOrEmpty(session.GetProperty("csrf").GetString()));

        var cookie = setCookie.Split(';')[0];
        using var me = await SendAsync(HttpMethod.Get, "/console/session", cookie);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var key = await fixture.Admin.CreateKeyAsync("cora", 1m);
        using var read = await SendAsync(HttpMethod.Get, $"/admin/v1/keys/{key.KeyId}", cookie);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_opens_no_session()
    {
        using var http = NewClient();
        using var response = await http.PostAsJsonAsync("/console/session", new { key = "gwadmin_not-a-key" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));

        using var forged = await SendAsync(HttpMethod.Get, "/admin/v1/users/cora", ConsoleSessions.CookieName + "=forged-value");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task A_change_made_with_the_cookie_needs_the_session_csrf_token()
    {
        var (cookie, csrf) = await SignInAsync(GatewayServer.AdminKey);
        var key = await fixture.Admin.CreateKeyAsync("cora", 1m);

        using var missing = await SendAsync(HttpMethod.Post, $"/admin/v1/keys/{key.KeyId}/revoke", cookie);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        using var wrong = await SendAsync(HttpMethod.Post, $"/admin/v1/keys/{key.KeyId}/revoke", cookie, csrf: csrf[..^2] + "xx");
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("active", (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("status").GetString());

        using var right = await SendAsync(HttpMethod.Post, $"/admin/v1/keys/{key.KeyId}/revoke", cookie, csrf: csrf);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("revoked", (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("status").GetString());

        // Another session's token is not this one's.
        var (_, otherCsrf) = await SignInAsync(GatewayServer.AdminKey);
        var second = await fixture.Admin.CreateKeyAsync("cora", 1m);
        using var crossed = await SendAsync(HttpMethod.Post, $"/admin/v1/keys/{second.KeyId}/revoke", cookie, csrf: otherCsrf);
        Assert.Equal(HttpStatusCode.Forbidden, crossed.StatusCode);
    }

    [Fact]
    public async Task A_viewer_session_reads_but_its_forged_revoke_is_refused()
    {
        var viewer = await MintAdminKeyAsync("viewer");
        var (cookie, csrf) = await SignInAsync(viewer.Key);
        var key = await fixture.Admin.CreateKeyAsync("cora", 1m);

        using var read = await SendAsync(HttpMethod.Get, $"/admin/v1/keys/{key.KeyId}", cookie);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var revoke = await SendAsync(HttpMethod.Post, $"/admin/v1/keys/{key.KeyId}/revoke", cookie, csrf: csrf);
        Assert.Equal(HttpStatusCode.Forbidden, revoke.StatusCode);
        Assert.Equal("active", (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_Orleans_Dashboard_is_off_by_default_and_the_cluster_report_says_so()
    {
        var admin = await MintAdminKeyAsync("admin");
        var (cookie, _) = await SignInAsync(admin.Key);

        using var dashboard = await SendAsync(HttpMethod.Get, Gateway.Frontend.Console.ConsoleDashboard.Path + "/", cookie);
        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);
        using var cluster = await SendAsync(HttpMethod.Get, "/admin/v1/cluster", cookie);
        Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await cluster.Content.ReadAsStringAsync()).RootElement.GetProperty("dashboard").ValueKind);
    }

    [Fact]
    public async Task Revoking_the_admin_key_ends_its_sessions()
    {
        var minted = await MintAdminKeyAsync("admin");
        var (cookie, _) = await SignInAsync(minted.Key);
        using (var before = await SendAsync(HttpMethod.Get, "/admin/v1/users/cora", cookie))
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, before.StatusCode);
        }

        using (var revoke = await fixture.Admin.PostAsync($"/admin/v1/admin-keys/{minted.Id}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var after = await SendAsync(HttpMethod.Get, "/admin/v1/users/cora", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var session = await SendAsync(HttpMethod.Get, "/console/session", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, session.StatusCode);
    }

    [Fact]
    public async Task Sign_in_and_sign_out_are_in_the_admin_audit()
    {
        var minted = await MintAdminKeyAsync("auditor");
        var (cookie, csrf) = await SignInAsync(minted.Key);

        using (var noToken = await SendAsync(HttpMethod.Delete, "/console/session", cookie))
        {
            Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
        }

        using var signOut = await SendAsync(HttpMethod.Delete, "/console/session", cookie, csrf: csrf);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Contains(signOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConsoleSessions.CookieName + "=;", StringComparison.Ordinal));

        var signIn = (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?action=console.signin&target={minted.Id}")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(minted.Id, signIn.GetProperty("actor").GetString());
        Assert.True(signIn.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.String, signIn.GetProperty("after").GetProperty("expiresAt").ValueKind);
        var signOutRow = (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?action=console.signout&target={minted.Id}")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(minted.Id, signOutRow.GetProperty("actor").GetString());
        Assert.Equal(204, signOutRow.GetProperty("status").GetInt32());
    }

    private async Task<(string Cookie, string Csrf)> SignInAsync(string key)
    {
        using var http = NewClient();
        using var response = await http.PostAsJsonAsync("/console/session", new { key });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csrf = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf").GetString()!;
        return (response.Headers.GetValues("Set-Cookie").Single().Split(';')[0], csrf);
    }

    private async Task<(string Id, string Key)> MintAdminKeyAsync(string role)
    {
        using var response = await fixture.Admin.PostAsJsonAsync("/admin/v1/admin-keys", new { name = "console-" + role, role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    /// <summary>A request with the cookie set by hand (no cookie container), and the CSRF header if given.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string cookie, string? csrf = null)
    {
        using var http = NewClient();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        if (csrf is not null)
        {
            request.Headers.Add(ConsoleSessions.CsrfHeader, csrf);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private HttpClient NewClient() => new(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
}
