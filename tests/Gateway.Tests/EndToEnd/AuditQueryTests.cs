using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>"Who did this, when, at what cost" answered with a query over the audit ledger.</summary>
public sealed class AuditQueryTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<HttpStatusCode> ChatAsync(string key, string model = "gpt-4o-mini")
    {
        using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key, maxTokens: 8, "audit me", model);
        return response.StatusCode;
    }

    [Fact]
    public async Task Requests_are_found_by_key_by_user_and_by_time_with_their_cost()
    {
        var laptop = await fixture.Admin.CreateKeyAsync("quentin", 5m, ["gpt-4o-mini"]);
        var agent = await fixture.Admin.CreateKeyAsync("quentin", 5m);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(laptop.Key));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(laptop.Key));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(laptop.Key, "gpt-4o"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(agent.Key));
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(laptop.KeyId)).Count == 3 && (await fixture.Ledger.RowsAsync(agent.KeyId)).Count == 1,
            TimeSpan.FromSeconds(10), "all four rows");

        var byKey = JsonDocument.Parse(await fixture.Admin.GetStringAsync($"/admin/v1/audit?keyId={laptop.KeyId}")).RootElement;
        var keyItems = byKey.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, keyItems.Count);
        Assert.Equal(["denied", "completed", "completed"], keyItems.Select(i => i.GetProperty("outcome").GetString()));
        Assert.Equal("ModelNotAllowed", keyItems[0].GetProperty("denial").GetString());

        var byUser = JsonDocument.Parse(await fixture.Admin.GetStringAsync($"/admin/v1/audit?userId=quentin&from={Uri.EscapeDataString(before.ToString("O"))}")).RootElement;
        var userItems = byUser.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, userItems.Count);
        var times = userItems.Select(i => i.GetProperty("recordedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        var spent = (await fixture.Admin.GetKeyAsync(laptop.KeyId)).GetProperty("spentMicros").GetInt64() + (await fixture.Admin.GetKeyAsync(agent.KeyId)).GetProperty("spentMicros").GetInt64();
        Assert.Equal(spent, byUser.GetProperty("totalCostMicros").GetInt64());
        Assert.True(spent > 0);

        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        var none = JsonDocument.Parse(await fixture.Admin.GetStringAsync($"/admin/v1/audit?userId=quentin&from={future}")).RootElement;
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());

        using var limited = await fixture.Admin.GetAsync($"/admin/v1/audit?userId=quentin&limit=1");
        var one = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((1, 4), (one.GetProperty("items").GetArrayLength(), one.GetProperty("matched").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Admin.GetAsync("/admin/v1/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/admin/v1/audit?userId=nobody-at-all")).StatusCode);
    }

    [Fact]
    public async Task Usage_is_grouped_by_user_team_and_model_with_totals()
    {
        await fixture.Admin.PostAsJsonAsync("/admin/v1/teams", new { id = "usage-team" });
        await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = "ula", teamId = "usage-team" });
        await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = "ulf", teamId = "usage-team" });
        var ula = await fixture.Admin.CreateKeyAsync("ula", 5m);
        var ulf = await fixture.Admin.CreateKeyAsync("ulf", 5m);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ula.Key));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ula.Key, "sim-large"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ulf.Key));
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(ula.KeyId)).Count == 2 && (await fixture.Ledger.RowsAsync(ulf.KeyId)).Count == 1,
            TimeSpan.FromSeconds(10), "the three rows");
        var ulaCost = (await fixture.Ledger.RowsAsync(ula.KeyId)).Sum(r => r.CostMicros);
        var ulfCost = (await fixture.Ledger.RowsAsync(ulf.KeyId)).Sum(r => r.CostMicros);

        JsonElement Row(JsonElement report, string group) => report.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("group").GetString() == group);
        var byUser = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=user")).RootElement;
        Assert.Equal((2L, ulaCost), (Row(byUser, "ula").GetProperty("requests").GetInt64(), Row(byUser, "ula").GetProperty("costMicros").GetInt64()));
        Assert.Equal(byUser.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("costMicros").GetInt64()), byUser.GetProperty("totalCostMicros").GetInt64());
        var byTeam = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=team")).RootElement;
        Assert.Equal(ulaCost + ulfCost, Row(byTeam, "usage-team").GetProperty("costMicros").GetInt64());

        // Moving to another team takes nothing along: what ulf spent stays with the team that held it.
        await fixture.Admin.PostAsJsonAsync("/admin/v1/teams", new { id = "usage-team-2" });
        await fixture.Admin.PatchJsonAsync("/admin/v1/users/ulf", new { teamId = "usage-team-2" });
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ulf.Key));
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(ulf.KeyId)).Count == 2, TimeSpan.FromSeconds(10), "ulf's second row");
        var ulfAfterMove = (await fixture.Ledger.RowsAsync(ulf.KeyId)).Single(r => r.Sequence == 2).CostMicros;
        var moved = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=team")).RootElement;
        Assert.Equal(ulaCost + ulfCost, Row(moved, "usage-team").GetProperty("costMicros").GetInt64());
        Assert.Equal(ulfAfterMove, Row(moved, "usage-team-2").GetProperty("costMicros").GetInt64());
        var byModel = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=model")).RootElement;
        Assert.True(Row(byModel, "sim-large").GetProperty("costMicros").GetInt64() > 0);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Admin.GetAsync("/admin/v1/usage?groupBy=planet")).StatusCode);

        var stdout = new StringWriter();
        var exit = await Gateway.Cli.GatewayCtl.RunAsync(["usage", "--by", "team"], stdout, new StringWriter(),
            new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey });
        Assert.Equal(0, exit);
        Assert.Contains("usage-team", stdout.ToString(), StringComparison.Ordinal);
    }
}
