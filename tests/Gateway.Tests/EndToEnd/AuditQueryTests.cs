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
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model, max_tokens = 8, messages = new[] { new { role = "user", content = "audit me" } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
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
}
