using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 8, item 13: no admin change goes unaudited. The audit row is written before the change, and
/// a change whose row cannot be written is refused with 503 and does not happen; rows fit Table
/// Storage's limits whatever they hold. This class breaks its own admin audit table on purpose.
/// </summary>
public sealed class AdminAuditDurabilityTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<(int Status, string Raw, string? MediaType)> SendAsync(string method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Admin.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    private GatewayTables Tables() => new(Microsoft.Extensions.Options.Options.Create(TestStorage.Options(fixture.Prefix)));

    [Fact]
    public async Task A_change_whose_audit_row_cannot_be_written_is_refused_with_503_and_does_not_happen()
    {
        var key = await fixture.Admin.CreateKeyAsync("audra", 5m);
        var tables = Tables();
        await tables.AdminAudit.DeleteAsync();
        try
        {
            foreach (var (method, path, body) in new[]
            {
                ("PATCH", $"/admin/v1/keys/{key.KeyId}", """{"capUsd":1000000}"""),
                ("POST", $"/admin/v1/keys/{key.KeyId}/revoke", null),
                ("POST", $"/admin/v1/keys/{key.KeyId}/rotate", null),
                ("POST", $"/admin/v1/keys/{key.KeyId}/capture", """{"enabled":true,"reason":"INC-7"}"""),
                ("POST", "/admin/v1/users", """{"id":"ghost"}"""),
            })
            {
                var (status, raw, mediaType) = await SendAsync(method, path, body);
                Assert.True(status == 503, $"{method} {path}: {status} {raw}");
                Assert.Equal("application/problem+json", mediaType);
                Assert.Contains("nothing changed", JsonDocument.Parse(raw).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            await tables.AdminAudit.CreateIfNotExistsAsync();
        }

        var state = await fixture.Admin.GetKeyAsync(key.KeyId);
        Assert.Equal((5_000_000L, "active", JsonValueKind.Null), (state.GetProperty("capMicros").GetInt64(), state.GetProperty("status").GetString(), state.GetProperty("capture").ValueKind));
        using (var chat = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 5))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode); // the secret was not rotated
        }

        Assert.Equal(404, (await SendAsync("GET", "/admin/v1/users/ghost")).Status);

        // With the trail back, the same change goes through, and its row is complete: not pending, with before and after.
        Assert.Equal(200, (await SendAsync("PATCH", $"/admin/v1/keys/{key.KeyId}", """{"capUsd":7}""")).Status);
        var row = (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?target={key.KeyId}&action=key.update")).GetProperty("items").EnumerateArray().Single();
        Assert.True(row.GetProperty("success").GetBoolean());
        Assert.False(row.TryGetProperty("pending", out _));
        Assert.Equal((5_000_000L, 7_000_000L), (row.GetProperty("before").GetProperty("capMicros").GetInt64(), row.GetProperty("after").GetProperty("capMicros").GetInt64()));
    }

    [Fact]
    public async Task An_oversized_change_is_refused_and_audited_and_the_largest_allowed_one_is_audited_whole()
    {
        var key = await fixture.Admin.CreateKeyAsync("olly", 5m);
        var huge = JsonSerializer.Serialize(new { capUsd = 1_000_000, models = Enumerable.Range(0, 2001).Select(i => $"model-{i}") });

        var (refused, raw, _) = await SendAsync("PATCH", $"/admin/v1/keys/{key.KeyId}", huge);

        Assert.True(refused == 400, raw);
        Assert.Equal(5_000_000L, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("capMicros").GetInt64());
        var failed = (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?target={key.KeyId}&action=key.update")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal((400, false), (failed.GetProperty("status").GetInt32(), failed.GetProperty("success").GetBoolean()));

        var models = Enumerable.Range(0, 100).Select(i => $"m{i:D3}-{new string('x', 95)}*").ToList();
        var largest = JsonSerializer.Serialize(new { capUsd = 1_000_000, name = new string('n', 64), models });
        Assert.Equal(200, (await SendAsync("PATCH", $"/admin/v1/keys/{key.KeyId}", largest)).Status);
        var row = (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?target={key.KeyId}&action=key.update&limit=1")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(200, row.GetProperty("status").GetInt32());
        Assert.Equal(models, row.GetProperty("after").GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(1_000_000_000_000L, row.GetProperty("after").GetProperty("capMicros").GetInt64());
    }

    [Fact]
    public async Task Values_past_table_limits_are_split_over_properties_or_replaced_by_a_truncation_mark()
    {
        var log = new AdminAuditLog(Tables(), TestStorage.ChainKey);
        var target = "limits-" + Guid.NewGuid().ToString("N")[..8];

        // More than three properties' worth, written with raw surrogate pairs, one of them across the first property boundary.
        var text = string.Concat(Enumerable.Repeat("ab😀", 25_000));
        var split = "{\"text\":\"" + text + "\"}";
        var tooLong = JsonSerializer.Serialize(new { text = new string('z', AdminAuditLog.MaxValueChars + 10) });
        var longDetail = new string('d', 100_000);
        await log.RecordAsync(new AdminAuditEntry(DateTimeOffset.UtcNow, "test.limits", "tester", "tester", target, true, 200, longDetail, split, tooLong, "127.0.0.1"), CancellationToken.None);

        var row = (await fixture.Admin.GetJsonAsync($"/admin/v1/admin-audit?target={target}")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(text, row.GetProperty("before").GetProperty("text").GetString());
        var mark = row.GetProperty("after");
        Assert.True(mark.GetProperty("truncated").GetBoolean());
        Assert.Equal(tooLong.Length, mark.GetProperty("length").GetInt32());
        Assert.StartsWith(tooLong[..1000], mark.GetProperty("start").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("(truncated)", row.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(row.GetProperty("detail").GetString()!.Length <= 4_000);
    }
}
