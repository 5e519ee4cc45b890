using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Storage;
using Gateway.Storage.Content;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.EndToEnd;

/// <summary>Metadata by default, content by an admin's recorded decision, kept for its retention only.</summary>
public sealed class ContentCaptureTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<string> ChatAsync(string key, string text, bool stream = false)
    {
        using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key, maxTokens: 12, text, stream: stream);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-gateway-request-id").Single();
    }

    /// <summary>Capture follows the response, like settlement: poll for it, with a deadline.</summary>
    private Task<HttpResponseMessage> ContentAsync(string keyId, string requestId) =>
        Poll.UntilAsync(() => fixture.Admin.GetAsync($"/admin/v1/keys/{keyId}/content/{requestId}"), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(10), "captured content");

    [Fact]
    public async Task Content_is_stored_only_while_capture_is_on_and_the_switch_is_audited()
    {
        var key = await fixture.Admin.CreateKeyAsync("cora", 5m);
        var off = await ChatAsync(key.Key, "private thoughts before capture");
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(key.KeyId)).Count == 1, TimeSpan.FromSeconds(10), "the first ledger row");
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync($"/admin/v1/keys/{key.KeyId}/content/{off}")).StatusCode);

        using (var noReason = await fixture.Admin.PostAsJsonAsync($"/admin/v1/keys/{key.KeyId}/capture", new { enabled = true }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        }

        using (var on = await fixture.Admin.PostAsJsonAsync($"/admin/v1/keys/{key.KeyId}/capture", new { enabled = true, reason = "INC-42 leak investigation" }))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        }

        var plain = await ChatAsync(key.Key, "the captured question");
        var streamed = await ChatAsync(key.Key, "the captured stream", stream: true);

        using var plainContent = await ContentAsync(key.KeyId, plain);
        var captured = JsonDocument.Parse(await plainContent.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("the captured question", captured.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"completion_tokens\"", captured.GetProperty("completion").GetString(), StringComparison.Ordinal);
        using var streamContent = await ContentAsync(key.KeyId, streamed);
        var capturedStream = JsonDocument.Parse(await streamContent.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("the captured stream", capturedStream.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(capturedStream.GetProperty("completion").GetString()));

        using (var offAgain = await fixture.Admin.PostAsJsonAsync($"/admin/v1/keys/{key.KeyId}/capture", new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, offAgain.StatusCode);
        }

        var after = await ChatAsync(key.Key, "private again");
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(key.KeyId)).Count == 4, TimeSpan.FromSeconds(10), "four ledger rows");
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync($"/admin/v1/keys/{key.KeyId}/content/{after}")).StatusCode);

        var audit = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/admin-audit?limit=200")).RootElement.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("action").GetString() == "key.capture" && i.GetProperty("target").GetString() == key.KeyId && i.GetProperty("success").GetBoolean())
            .ToList();
        Assert.Equal(2, audit.Count);
        Assert.Contains(audit, i => i.GetProperty("after").GetProperty("capture").ValueKind == JsonValueKind.Object
            && i.GetProperty("after").GetProperty("capture").GetProperty("reason").GetString() == "INC-42 leak investigation");

        // Past its retention (30 days by default) the sweeper deletes it.
        var store = new ContentStore(new GatewayTables(Options.Create(TestStorage.Options(fixture.Prefix))));
        Assert.True(await store.DeleteExpiredAsync(DateTimeOffset.UtcNow.AddDays(31), CancellationToken.None) >= 2);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync($"/admin/v1/keys/{key.KeyId}/content/{plain}")).StatusCode);
    }
}
