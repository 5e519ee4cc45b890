using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Cli;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>Issue 8, item 9: the admin audit in pages, filtered by actor, action, target and time, over HTTP and through gatewayctl.</summary>
public sealed class AdminAuditQueryTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task The_admin_audit_pages_with_a_cursor_and_filters_by_actor_action_target_and_time()
    {
        using var minted = await fixture.Admin.PostAsJsonAsync("/admin/v1/admin-keys", new { name = "pager", role = "admin" });
        var mintedBody = JsonDocument.Parse(await minted.Content.ReadAsStringAsync()).RootElement;
        var (actor, actorKey) = (mintedBody.GetProperty("id").GetString()!, mintedBody.GetProperty("key").GetString()!);
        using var pager = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        pager.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", actorKey);
        var users = Enumerable.Range(0, 5).Select(i => $"paged-{i}").ToList();
        foreach (var user in users)
        {
            Assert.Equal(HttpStatusCode.Created, (await pager.PostAsJsonAsync("/admin/v1/users", new { id = user })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await pager.PatchAsJsonAsync("/admin/v1/users/paged-3", new { name = "Three" })).StatusCode);

        // By actor: exactly this key's six actions, newest first.
        var mine = Items(await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?actor={actor}"));
        Assert.Equal(6, mine.Count);
        Assert.All(mine, i => Assert.Equal(actor, i.GetProperty("actor").GetString()));
        Assert.Equal("user.update", mine[0].GetProperty("action").GetString());
        Assert.Equal(5, Items(await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?actor={actor}&action=user.create")).Count);
        Assert.Equal(["user.update", "user.create"], Items(await fixture.Admin.GetJsonAsync("/admin/v1/admin-audit?target=paged-3")).Select(i => i.GetProperty("action").GetString()));

        // Pages of two, following the cursor, give the same rows in the same order, once each.
        var paged = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?actor={actor}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            paged.AddRange(Items(page));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(3, pages);
        Assert.Equal(mine.Select(i => i.GetRawText()), paged.Select(i => i.GetRawText()));

        // A time range: from is included, to is not.
        var pivot = mine[2].GetProperty("at").GetDateTimeOffset();
        var from = Items(await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?actor={actor}&from={Uri.EscapeDataString(pivot.ToString("O"))}"));
        var before = Items(await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?actor={actor}&to={Uri.EscapeDataString(pivot.ToString("O"))}"));
        Assert.Equal(mine.Count(i => i.GetProperty("at").GetDateTimeOffset() >= pivot), from.Count);
        Assert.Equal(mine.Count(i => i.GetProperty("at").GetDateTimeOffset() < pivot), before.Count);
        Assert.Equal(mine.Count, from.Count + before.Count);

        foreach (var bad in new[] { "cursor=abc", "cursor=0000000000000000000_zz", "limit=0", "limit=1001", $"from={Uri.EscapeDataString(pivot.ToString("O"))}&to={Uri.EscapeDataString(pivot.ToString("O"))}", "action=a%0Ab" })
        {
            using var response = await fixture.Admin.GetAsync("/admin/v1/admin-audit?" + bad);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)response.StatusCode}");
        }

        // The same through gatewayctl: filters, one page with its cursor, or every page.
        var all = await CliAsync("admin-audit", "--actor", actor, "--action", "user.create", "--all", "--limit", "2", "--json");
        Assert.Equal(0, all.Exit);
        Assert.Equal(users.AsEnumerable().Reverse(), JsonDocument.Parse(all.Out).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("target").GetString()));
        var one = await CliAsync("admin-audit", "--actor", actor, "--limit", "2");
        Assert.Equal(0, one.Exit);
        Assert.Contains("More: --cursor ", one.Out, StringComparison.Ordinal);
        var next = one.Out.Split('\n').Single(l => l.StartsWith("More: --cursor ", StringComparison.Ordinal))["More: --cursor ".Length..].Trim();
        var second = await CliAsync("admin-audit", "--actor", actor, "--limit", "2", "--cursor", next, "--target", "paged-2");
        Assert.Equal(0, second.Exit);
        Assert.Contains("paged-2", second.Out, StringComparison.Ordinal);
        Assert.Equal(2, (await CliAsync("admin-audit", "--from", "2026-01-02", "--to", "2026-01-01")).Exit);
    }

    private async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey };
        var exit = await GatewayCtl.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
