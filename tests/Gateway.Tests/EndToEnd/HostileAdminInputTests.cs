using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 8, the admin side: ids, model lists, free text, numbers and revoked keys as an attacker or a
/// careless operator would send them, through real HTTP. Every refusal is a 400/409 problem detail
/// that names the field without a .NET type name, changes nothing, and is in the admin audit.
/// </summary>
public sealed class HostileAdminInputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<(int Status, JsonElement Body, string Raw)> SendAsync(string method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Admin.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone(), raw);
    }

    private static string Detail(JsonElement problem) => problem.GetProperty("detail").GetString()!;

    private async Task<List<JsonElement>> AdminAuditAsync(string query) =>
        [.. (await fixture.Admin.GetJsonAsync("/admin/v1/admin-audit?" + query)).GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task An_id_with_a_trailing_newline_is_refused_and_leaves_no_phantom_user()
    {
        var (status, problem, _) = await SendAsync("POST", "/admin/v1/users", """{"id":"nadia\n","name":"Nadia"}""");

        Assert.Equal(400, status);
        Assert.Contains("id is required", Detail(problem), StringComparison.Ordinal);
        Assert.Equal(404, (await SendAsync("GET", "/admin/v1/users/nadia%0A")).Status);
        Assert.Equal(404, (await SendAsync("GET", "/admin/v1/users/nadia")).Status);

        // The same rule everywhere an id is taken: a key's user, a user's team, a team, the query parameters.
        await fixture.Admin.EnsureUserAsync("nadia-real");
        Assert.Equal(400, (await SendAsync("POST", "/admin/v1/keys", """{"userId":"nadia-real\n","capUsd":1}""")).Status);
        Assert.Equal(400, (await SendAsync("POST", "/admin/v1/users", """{"id":"nadia2","teamId":"ops\n"}""")).Status);
        Assert.Equal(400, (await SendAsync("POST", "/admin/v1/teams", """{"id":"ops\n"}""")).Status);
        Assert.Equal(404, (await SendAsync("GET", "/admin/v1/keys?userId=nadia-real%0A")).Status);
        Assert.Equal(404, (await SendAsync("GET", "/admin/v1/audit?userId=nadia-real%0A")).Status);

        // The failed create is in the admin audit, with its status and reason.
        var refused = (await AdminAuditAsync("action=user.create&limit=50"))
            .First(i => i.GetProperty("status").GetInt32() == 400 && Detail(i).Contains("id is required", StringComparison.Ordinal));
        Assert.False(refused.GetProperty("success").GetBoolean());
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("é-accent")]
    public async Task Ids_outside_the_rule_are_refused_on_create(string id)
    {
        var body = JsonSerializer.Serialize(new { id });
        Assert.Equal(400, (await SendAsync("POST", "/admin/v1/users", body)).Status);
        Assert.Equal(400, (await SendAsync("POST", "/admin/v1/teams", body)).Status);
        Assert.Equal(400, (await SendAsync("POST", "/admin/v1/keys", JsonSerializer.Serialize(new { userId = id, capUsd = 1 }))).Status);
    }

    [Fact]
    public async Task User_and_team_ids_are_case_insensitive_on_every_route()
    {
        var (created, user, _) = await SendAsync("POST", "/admin/v1/users", """{"id":"Case.Alice@Example.com","name":"Alice"}""");
        Assert.Equal(201, created);
        Assert.Equal("case.alice@example.com", user.GetProperty("id").GetString());
        Assert.Equal(409, (await SendAsync("POST", "/admin/v1/users", """{"id":"CASE.ALICE@EXAMPLE.COM"}""")).Status);

        var (got, same, _) = await SendAsync("GET", "/admin/v1/users/CASE.alice@example.COM");
        Assert.Equal((200, "case.alice@example.com"), (got, same.GetProperty("id").GetString()));

        Assert.Equal(201, (await SendAsync("POST", "/admin/v1/teams", """{"id":"Case-Platform"}""")).Status);
        Assert.Equal(409, (await SendAsync("POST", "/admin/v1/teams", """{"id":"case-platform"}""")).Status);
        var (patched, moved, _) = await SendAsync("PATCH", "/admin/v1/users/Case.Alice@example.com", """{"teamId":"CASE-PLATFORM"}""");
        Assert.Equal((200, "case-platform"), (patched, moved.GetProperty("teamId").GetString()));
        Assert.Equal(200, (await SendAsync("PATCH", "/admin/v1/teams/CASE-Platform", """{"name":"Platform"}""")).Status);

        var (keyStatus, key, _) = await SendAsync("POST", "/admin/v1/keys", """{"userId":"CASE.ALICE@example.com","capUsd":1}""");
        Assert.Equal((201, "case.alice@example.com"), (keyStatus, key.GetProperty("userId").GetString()));
        var keyId = key.GetProperty("keyId").GetString();
        Assert.Contains(keyId, (await fixture.Admin.GetJsonAsync("/admin/v1/keys?userId=Case.Alice@Example.com")).GetProperty("items").EnumerateArray().Select(k => k.GetProperty("keyId").GetString()));
        Assert.Contains(keyId, (await fixture.Admin.GetJsonAsync("/admin/v1/keys?teamId=CASE-PLATFORM")).GetProperty("items").EnumerateArray().Select(k => k.GetProperty("keyId").GetString()));
        Assert.Equal(200, (await SendAsync("GET", "/admin/v1/audit?userId=CASE.ALICE@EXAMPLE.COM")).Status);

        // Key ids are generated and stay case-sensitive.
        Assert.Equal(404, (await SendAsync("GET", $"/admin/v1/keys/{SwapCase(keyId!)}")).Status);
    }

    [Fact]
    public async Task A_model_list_with_null_or_bad_entries_is_refused_at_create_and_update()
    {
        await fixture.Admin.EnsureUserAsync("mona");
        var key = await fixture.Admin.CreateKeyAsync("mona", 2m, ["gpt-4o*"]);
        var tooMany = JsonSerializer.Serialize(Enumerable.Range(0, 101).Select(i => $"model-{i}"));
        var cases = new[]
        {
            ("[null]", "models[0]"),
            ("[\"gpt-4o\", 5]", "models[1]"),
            ("[\"gpt-4o\\n\"]", "models[0]"),
            ("[\"\"]", "models[0]"),
            ("[\"" + new string('m', 101) + "\"]", "models[0]"),
            (tooMany, "at most 100"),
        };

        foreach (var (models, expected) in cases)
        {
            var (created, problem, _) = await SendAsync("POST", "/admin/v1/keys", $$"""{"userId":"mona","capUsd":1,"models":{{models}}}""");
            Assert.True(created == 400, $"create with models {models}: {created}");
            Assert.Contains(expected, Detail(problem), StringComparison.Ordinal);

            var (patched, patchProblem, _) = await SendAsync("PATCH", $"/admin/v1/keys/{key.KeyId}", $$"""{"models":{{models}}}""");
            Assert.True(patched == 400, $"update with models {models}: {patched}");
            Assert.Contains(expected, Detail(patchProblem), StringComparison.Ordinal);
        }

        Assert.Equal(["gpt-4o*"], (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("models").EnumerateArray().Select(m => m.GetString()));

        // A full list at the bounds is fine, and the key still answers /v1/models.
        var widest = JsonSerializer.Serialize(Enumerable.Range(0, 99).Select(i => $"gpt-4o-{i:D3}{new string('x', 90)}").Append("*"));
        Assert.Equal(200, (await SendAsync("PATCH", $"/admin/v1/keys/{key.KeyId}", $$"""{"models":{{widest}}}""")).Status);
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.Key);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_refuses_rotation_changes_and_capture_with_409()
    {
        var key = await fixture.Admin.CreateKeyAsync("rex", 3m);
        await fixture.Admin.RevokeKeyAsync(key.KeyId);

        var (rotated, rotateProblem, rotateRaw) = await SendAsync("POST", $"/admin/v1/keys/{key.KeyId}/rotate", """{"graceSeconds":60}""");
        var (patched, _, _) = await SendAsync("PATCH", $"/admin/v1/keys/{key.KeyId}", """{"capUsd":1000,"name":"back"}""");
        var (captured, _, _) = await SendAsync("POST", $"/admin/v1/keys/{key.KeyId}/capture", """{"enabled":true,"reason":"INC-9"}""");

        Assert.Equal((409, 409, 409), (rotated, patched, captured));
        Assert.Contains("revoked", Detail(rotateProblem), StringComparison.Ordinal);
        Assert.DoesNotContain($"gw_{key.KeyId}_", rotateRaw, StringComparison.Ordinal);
        var state = await fixture.Admin.GetKeyAsync(key.KeyId);
        Assert.Equal(("revoked", 3_000_000L, JsonValueKind.Null, JsonValueKind.Null),
            (state.GetProperty("status").GetString(), state.GetProperty("capMicros").GetInt64(), state.GetProperty("name").ValueKind, state.GetProperty("capture").ValueKind));
        Assert.Equal(JsonValueKind.Null, state.GetProperty("previousSecretValidUntil").ValueKind);

        // Revoking again stays harmless, and each refusal is in the admin audit.
        Assert.Equal(200, (await SendAsync("POST", $"/admin/v1/keys/{key.KeyId}/revoke")).Status);
        var rows = await AdminAuditAsync($"target={key.KeyId}&limit=20");
        foreach (var action in new[] { "key.rotate", "key.update", "key.capture" })
        {
            Assert.Contains(rows, r => r.GetProperty("action").GetString() == action && r.GetProperty("status").GetInt32() == 409);
        }
    }

    [Theory]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":"5"}""", "capUsd")]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"rpm":"60"}""", "rpm")]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":true}""", "capUsd")]
    [InlineData("POST", "/admin/v1/keys", """{"userId":5,"capUsd":1}""", "userId")]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"expiresAt":"tomorrow"}""", "expiresAt")]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"tpm":1.5}""", "tpm")]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"models":"gpt-4o"}""", "models")]
    [InlineData("POST", "/admin/v1/users", """{"id":"cap-string","capUsd":"5"}""", "capUsd")]
    [InlineData("POST", "/admin/v1/users", """{"id":["x"]}""", "id")]
    [InlineData("POST", "/admin/v1/teams", """{"id":"cap-string-team","rpm":"5"}""", "rpm")]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"capUsd":"5"}""", "capUsd")]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"rpm":1e20}""", "rpm")]
    [InlineData("PATCH", "/admin/v1/keys/nosuchkey", """{"expiresAt":42}""", "expiresAt")]
    [InlineData("POST", "/admin/v1/keys/nosuchkey/rotate", """{"graceSeconds":"60"}""", "graceSeconds")]
    [InlineData("POST", "/admin/v1/keys/nosuchkey/capture", """{"enabled":"yes"}""", "enabled")]
    [InlineData("POST", "/admin/v1/admin-keys", """{"name":"x","role":7}""", "role")]
    [InlineData("POST", "/admin/v1/keys", """{"userId":"known","capUsd":1,"capUsd":1000000}""", "capUsd")]
    [InlineData("POST", "/admin/v1/users", """{"id":"x",}""", "not valid JSON")]
    public async Task A_value_of_the_wrong_kind_is_named_without_dotnet_type_names(string method, string path, string body, string named)
    {
        await fixture.Admin.EnsureUserAsync("known");

        var (status, problem, raw) = await SendAsync(method, path, body);

        Assert.Equal(400, status);
        Assert.Contains(named, Detail(problem), StringComparison.Ordinal);
        foreach (var leak in new[] { "System.", "Nullable", "`1", "Decimal", "Int32", "Int64", "JsonElement", "Path:", "LineNumber" })
        {
            Assert.DoesNotContain(leak, raw, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("\u200b")]
    [InlineData("\u0000")]
    [InlineData("   ")]
    [InlineData("\u202eIDC-0 reversed")]
    [InlineData("INC-1\r\nforged line")]
    public async Task A_capture_reason_must_be_visible_text_without_control_characters(string reason)
    {
        var key = await fixture.Admin.CreateKeyAsync("cora", 1m);

        var (status, problem, _) = await SendAsync("POST", $"/admin/v1/keys/{key.KeyId}/capture", JsonSerializer.Serialize(new { enabled = true, reason }));

        Assert.Equal(400, status);
        Assert.Contains("reason", Detail(problem), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("capture").ValueKind);
    }

    [Fact]
    public async Task Names_refuse_control_characters_but_keep_html_which_every_output_encodes()
    {
        await fixture.Admin.EnsureUserAsync("hana");
        var forged = "Hana\r\nUser: admin";
        foreach (var (method, path, body) in new[]
        {
            ("POST", "/admin/v1/users", JsonSerializer.Serialize(new { id = "hana2", name = forged })),
            ("PATCH", "/admin/v1/users/hana", JsonSerializer.Serialize(new { name = forged })),
            ("POST", "/admin/v1/teams", JsonSerializer.Serialize(new { id = "hana-team", name = "\u0007bell" })),
            ("POST", "/admin/v1/keys", JsonSerializer.Serialize(new { userId = "hana", capUsd = 1, name = forged })),
            ("POST", "/admin/v1/admin-keys", JsonSerializer.Serialize(new { name = "\u200b", role = "viewer" })),
        })
        {
            var (status, problem, _) = await SendAsync(method, path, body);
            Assert.True(status == 400, $"{method} {path}: {status}");
            Assert.Contains("name", Detail(problem), StringComparison.Ordinal);
        }

        Assert.Equal("hana", (await fixture.Admin.GetJsonAsync("/admin/v1/users/hana")).GetProperty("name").GetString());

        const string html = "<img src=x onerror=alert(1)> & \"Hana\"";
        var (created, user, _) = await SendAsync("POST", "/admin/v1/users", JsonSerializer.Serialize(new { id = "hana-html", name = html }));
        Assert.Equal(201, created);
        Assert.Equal(html, user.GetProperty("name").GetString());
        Assert.Equal(html, (await fixture.Admin.GetJsonAsync("/admin/v1/users/hana-html")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Emails_are_bounded_and_refuse_control_characters()
    {
        foreach (var email in new[] { "a@example.com\n", "a\u0000@example.com", new string('a', 250) + "@example.com" })
        {
            Assert.Equal(400, (await SendAsync("POST", "/admin/v1/users", JsonSerializer.Serialize(new { id = "emma-" + email.Length, email }))).Status);
        }
    }

    private static string SwapCase(string value) =>
        string.Concat(value.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
}
