using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>Users, teams, listing keys, and deactivating a user through the admin API.</summary>
public sealed class DirectoryTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await fixture.Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Users_and_teams_are_created_changed_and_listed_with_their_keys()
    {
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/admin/v1/teams", new { id = "platform", name = "Platform" })).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/admin/v1/teams", new { id = "data", name = "Data" })).Status);
        var (created, user) = await SendAsync(HttpMethod.Post, "/admin/v1/users", new { id = "yara", name = "Yara", email = "yara@example.com", teamId = "platform" });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(("Yara", "platform", "active"), (user.GetProperty("name").GetString(), user.GetProperty("teamId").GetString(), user.GetProperty("status").GetString()));

        var keys = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            keys.Add((await fixture.Admin.CreateKeyAsync("yara", 1m)).KeyId);
        }

        // Paging by user: two pages of 3 and 2, in key-id order, nothing twice.
        var (_, first) = await SendAsync(HttpMethod.Get, "/admin/v1/keys?userId=yara&limit=3");
        var cursor = first.GetProperty("nextCursor").GetString();
        var (_, second) = await SendAsync(HttpMethod.Get, $"/admin/v1/keys?userId=yara&limit=3&cursor={cursor}");
        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(k => k.GetProperty("keyId").GetString()!).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), listed);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        // By team, and following a move to another team.
        var (_, platform) = await SendAsync(HttpMethod.Get, "/admin/v1/keys?teamId=platform");
        Assert.Equal(5, platform.GetProperty("items").GetArrayLength());
        var (patched, moved) = await SendAsync(HttpMethod.Patch, "/admin/v1/users/yara", new { teamId = "data", email = "y@example.com" });
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.Equal(("data", "y@example.com", "Yara"), (moved.GetProperty("teamId").GetString(), moved.GetProperty("email").GetString(), moved.GetProperty("name").GetString()));
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, "/admin/v1/keys?teamId=platform")).Body.GetProperty("items").GetArrayLength());
        Assert.Equal(5, (await SendAsync(HttpMethod.Get, "/admin/v1/keys?teamId=data")).Body.GetProperty("items").GetArrayLength());
        Assert.Contains("yara", (await SendAsync(HttpMethod.Get, "/admin/v1/teams/data")).Body.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        var (renamed, team) = await SendAsync(HttpMethod.Patch, "/admin/v1/teams/data", new { name = "Data platform" });
        Assert.Equal((HttpStatusCode.OK, "Data platform"), (renamed, team.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Deactivating_a_user_revokes_every_key_and_blocks_new_ones()
    {
        var first = await fixture.Admin.CreateKeyAsync("zack", 1m);
        var second = await fixture.Admin.CreateKeyAsync("zack", 1m);
        var bystander = await fixture.Admin.CreateKeyAsync("zoe", 1m);

        var (status, user) = await SendAsync(HttpMethod.Post, "/admin/v1/users/zack/deactivate");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("deactivated", user.GetProperty("status").GetString());
        foreach (var key in new[] { first, second })
        {
            Assert.Equal("revoked", (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("status").GetString());
        }

        Assert.Equal("active", (await fixture.Admin.GetKeyAsync(bystander.KeyId)).GetProperty("status").GetString());
        var (refused, problem) = await SendAsync(HttpMethod.Post, "/admin/v1/keys", new { userId = "zack", capUsd = 1 });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("deactivated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patching_a_key_changes_its_limits_from_the_next_request()
    {
        var key = await fixture.Admin.CreateKeyAsync("abe", 5m);
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        Task<HttpResponseMessage> ChatAsync() => GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 5);

        var (status, patched) = await SendAsync(HttpMethod.Patch, $"/admin/v1/keys/{key.KeyId}", new { rpm = 2, models = new[] { "gpt-4o-mini" }, name = "agent", period = "monthly" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("monthly", patched.GetProperty("period").GetString());
        Assert.Equal(1, patched.GetProperty("periodResetsAt").GetDateTimeOffset().Day);
        Assert.Equal((2, "agent"), (patched.GetProperty("rpm").GetInt32(), patched.GetProperty("name").GetString()));

        Assert.Equal(HttpStatusCode.OK, (await ChatAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync()).StatusCode);
        using var limited = await ChatAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limit_exceeded", JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);

        // Removing the limit and lowering the cap below one request's worst case.
        (status, patched) = await SendAsync(HttpMethod.Patch, $"/admin/v1/keys/{key.KeyId}", new { rpm = (int?)null, capUsd = 0.000001m });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("rpm").ValueKind);
        using var broke = await ChatAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, broke.StatusCode);
        Assert.Equal("insufficient_quota", JsonDocument.Parse(await broke.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"rpm":5}""", 404)]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"rpm":0}""", 400)]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"rpm":"sixty"}""", 400)]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"capUsd":-3}""", 400)]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"models":["bad pattern"]}""", 400)]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"nobody-here","capUsd":1}""", 404)]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":-1}""", 400)]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"models":["gpt 4o"]}""", 400)]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"expiresAt":"2001-01-01T00:00:00Z"}""", 400)]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":"lots"}""", 400)]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"period":"fortnightly"}""", 400)]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"period":"hourly"}""", 400)]
    [InlineData("POST", "/admin/v1/users", """{"id":"known"}""", 409)]
    [InlineData("POST", "/admin/v1/users", """{"id":"has space"}""", 400)]
    [InlineData("POST", "/admin/v1/users", """{"id":"newbie","email":"not-an-email"}""", 400)]
    [InlineData("POST", "/admin/v1/users", """{"id":"newbie2","teamId":"no-such-team"}""", 404)]
    [InlineData("PATCH", "/admin/v1/users/nobody-here", """{"name":"x"}""", 404)]
    [InlineData("PATCH", "/admin/v1/teams/no-such-team", """{"name":"x"}""", 404)]
    [InlineData("PATCH", "/admin/v1/teams/no-such-team", """{}""", 400)]
    [InlineData("POST", "/admin/v1/users/nobody-here/deactivate", null, 404)]
    [InlineData("GET", "/admin/v1/keys", null, 400)]
    [InlineData("GET", "/admin/v1/keys?userId=nobody-here", null, 404)]
    [InlineData("POST", "/admin/v1/keys/nosuchkey/rotate", """{"graceSeconds":-1}""", 400)]
    [InlineData("POST", "/admin/v1/keys/nosuchkey/rotate", """{"graceSeconds":10}""", 404)]
    [InlineData("POST", "/admin/v1/users", "{not json", 400)]
    public async Task Bad_admin_requests_get_precise_problem_details(string method, string path, string? body, int expected)
    {
        await fixture.Admin.EnsureUserAsync("known");
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };

        using var response = await fixture.Admin.SendAsync(request);

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }
}
