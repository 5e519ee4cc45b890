using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>Admin roles on every admin route, admin keys, and the admin audit trail.</summary>
public sealed class AdminAccessTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<(string Id, string Key)> MintAdminKeyAsync(string role)
    {
        using var response = await fixture.Admin.PostAsJsonAsync("/admin/v1/admin-keys", new { name = role + "-key", role });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    private HttpClient As(string? bearer)
    {
        var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http;
    }

    [Fact]
    public async Task Every_admin_route_enforces_its_role()
    {
        var auditor = await MintAdminKeyAsync("auditor");
        var viewer = await MintAdminKeyAsync("viewer");
        var userKey = await fixture.Admin.CreateKeyAsync("vera", 1m);
        var callers = new Dictionary<string, string?>
        {
            ["admin"] = GatewayServer.AdminKey,
            ["auditor"] = auditor.Key,
            ["viewer"] = viewer.Key,
            ["user key"] = userKey.Key,
            ["none"] = null,
        };

        // Route, then the callers it admits; everyone else gets 403 (an admin key) or 401 (anything else).
        var routes = new (HttpMethod Method, Func<Task<string>> Path, object? Body, string[] Allowed)[]
        {
            (HttpMethod.Post, () => Task.FromResult("/admin/v1/keys"), new { userId = "vera", capUsd = 1 }, ["admin"]),
            (HttpMethod.Get, () => Task.FromResult($"/admin/v1/keys/{userKey.KeyId}"), null, ["admin", "viewer"]),
            (HttpMethod.Post, async () => $"/admin/v1/keys/{(await fixture.Admin.CreateKeyAsync("vera", 1m)).KeyId}/revoke", null, ["admin"]),
            (HttpMethod.Post, () => Task.FromResult("/admin/v1/admin-keys"), new { name = "x", role = "viewer" }, ["admin"]),
            (HttpMethod.Post, () => Task.FromResult("/admin/v1/admin-keys/000000000000/revoke"), null, ["admin"]),
            (HttpMethod.Get, () => Task.FromResult("/admin/v1/admin-audit?limit=5"), null, ["admin", "auditor"]),
            (HttpMethod.Post, () => Task.FromResult($"/admin/v1/users"), new { id = "u" + Guid.NewGuid().ToString("N")[..8] }, ["admin"]),
            (HttpMethod.Get, () => Task.FromResult("/admin/v1/users/vera"), null, ["admin", "viewer"]),
            (HttpMethod.Patch, () => Task.FromResult("/admin/v1/users/vera"), new { name = "Vera" }, ["admin"]),
            (HttpMethod.Post, async () => { await fixture.Admin.EnsureUserAsync("temp"); return "/admin/v1/users/temp/deactivate"; }, null, ["admin"]),
            (HttpMethod.Post, () => Task.FromResult("/admin/v1/teams"), new { id = "t" + Guid.NewGuid().ToString("N")[..8] }, ["admin"]),
            (HttpMethod.Get, () => Task.FromResult("/admin/v1/teams/none"), null, ["admin", "viewer"]),
            (HttpMethod.Patch, () => Task.FromResult("/admin/v1/teams/none"), new { name = "x" }, ["admin"]),
            (HttpMethod.Get, () => Task.FromResult($"/admin/v1/audit?keyId={userKey.KeyId}"), null, ["admin", "auditor"]),
            (HttpMethod.Get, () => Task.FromResult("/admin/v1/usage?groupBy=model"), null, ["admin", "auditor"]),
            (HttpMethod.Get, () => Task.FromResult("/admin/v1/keys?userId=vera"), null, ["admin", "viewer"]),
            (HttpMethod.Post, async () => $"/admin/v1/keys/{(await fixture.Admin.CreateKeyAsync("vera", 1m)).KeyId}/rotate", null, ["admin"]),
            (HttpMethod.Patch, () => Task.FromResult($"/admin/v1/keys/{userKey.KeyId}"), new { name = "renamed" }, ["admin"]),
            (HttpMethod.Post, () => Task.FromResult($"/admin/v1/keys/{userKey.KeyId}/capture"), new { enabled = false }, ["admin"]),
            (HttpMethod.Get, () => Task.FromResult($"/admin/v1/keys/{userKey.KeyId}/content/00000000000000000000000000000000"), null, ["admin", "auditor"]),
        };

        foreach (var route in routes)
        {
            foreach (var (caller, bearer) in callers)
            {
                using var http = As(bearer);
                using var request = new HttpRequestMessage(route.Method, await route.Path());
                if (route.Body is not null)
                {
                    request.Content = JsonContent.Create(route.Body);
                }

                using var response = await http.SendAsync(request);
                var status = (int)response.StatusCode;
                var expected = route.Allowed.Contains(caller) ? "allowed" : caller is "auditor" or "viewer" ? "403" : "401";
                var actual = status is 401 or 403 ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "allowed";
                Assert.True(expected == actual, $"{route.Method} {request.RequestUri} as {caller}: expected {expected}, got {status}");
            }
        }
    }

    [Fact]
    public async Task Admin_actions_and_failed_attempts_are_in_the_admin_audit_newest_first()
    {
        var key = await fixture.Admin.CreateKeyAsync("wade", 2m);
        await fixture.Admin.RevokeKeyAsync(key.KeyId);
        using (var intruder = As("gwadmin_not-a-real-key"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await intruder.PostAsync($"/admin/v1/keys/{key.KeyId}/revoke", null)).StatusCode);
        }

        var auditor = await MintAdminKeyAsync("auditor");
        using var http = As(auditor.Key);
        var items = JsonDocument.Parse(await http.GetStringAsync("/admin/v1/admin-audit?limit=100")).RootElement.GetProperty("items").EnumerateArray().ToList();

        var times = items.Select(i => i.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        var created = items.Single(i => i.GetProperty("action").GetString() == "key.create" && i.GetProperty("target").GetString() == key.KeyId);
        Assert.True(created.GetProperty("success").GetBoolean());
        Assert.Equal("bootstrap (GATEWAY_ADMIN_KEY)", created.GetProperty("actorName").GetString());
        Assert.Equal(2_000_000, created.GetProperty("after").GetProperty("capMicros").GetInt64());
        var revoked = items.Single(i => i.GetProperty("action").GetString() == "key.revoke" && i.GetProperty("success").GetBoolean() && i.GetProperty("target").GetString() == key.KeyId);
        Assert.Equal("active", revoked.GetProperty("before").GetProperty("status").GetString());
        Assert.Equal("revoked", revoked.GetProperty("after").GetProperty("status").GetString());
        var failed = items.Single(i => i.GetProperty("action").GetString() == "key.revoke" && !i.GetProperty("success").GetBoolean() && i.GetProperty("target").GetString() == key.KeyId);
        Assert.Equal(401, failed.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("actor").ValueKind);
        Assert.Contains(items, i => i.GetProperty("action").GetString() == "adminkey.create" && i.GetProperty("target").GetString() == auditor.Id);

        // The trail never holds a key: not the user key's secret, not a minted admin key.
        var raw = string.Join('\n', items.Select(i => i.GetRawText()));
        Assert.DoesNotContain(key.Key, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Key[(key.Key.IndexOf('_', 3) + 1)..], raw, StringComparison.Ordinal);
        Assert.DoesNotContain(auditor.Key, raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoked_admin_key_is_refused()
    {
        var viewer = await MintAdminKeyAsync("viewer");
        using var http = As(viewer.Key);
        var probe = await fixture.Admin.CreateKeyAsync("xena", 1m);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/admin/v1/keys/{probe.KeyId}")).StatusCode);

        using var revoke = await fixture.Admin.PostAsync($"/admin/v1/admin-keys/{viewer.Id}/revoke", null);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/admin/v1/keys/{probe.KeyId}")).StatusCode);
    }
}
