using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A corpus of malformed bodies, headers, ids and encodings sent to every proxy and admin route:
/// no response is a 5xx, every error is in the route's format (the provider's error JSON under
/// /v1, problem details under /admin), and what is refused before the caller is known leaves no
/// row but the documented counted ones.
/// </summary>
public sealed class BadInputCorpusTests(BadInputCorpusTests.Fixture fixture) : IClassFixture<BadInputCorpusTests.Fixture>
{
    /// <summary>No failed-authentication limit (the corpus sends bad keys on purpose) and windows longer than the test.</summary>
    public sealed class Fixture : GatewayFixture
    {
        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
        {
            ["Gateway:Frontend:FailedAuthPerMinute"] = "0",
            ["Gateway:Frontend:DenialAggregationWindow"] = "00:30:00",
        };
    }

    private static readonly string[] ProxyRoutes = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/messages"];

    /// <summary>Bodies no route accepts, by name.</summary>
    private static readonly (string Name, byte[] Body)[] BadBodies =
    [
        ("empty", []),
        ("null", Utf8("null")),
        ("array", Utf8("[]")),
        ("string", Utf8("\"gpt-4o-mini\"")),
        ("number", Utf8("42")),
        ("truncated", Utf8("""{"model":"gpt-4o-mini","messages":[""")),
        ("trailing garbage", Utf8("""{"model":"gpt-4o-mini"} x""")),
        ("model a number", Utf8("""{"model":1,"max_tokens":5}""")),
        ("model empty", Utf8("""{"model":"","max_tokens":5}""")),
        ("model blank", Utf8("""{"model":"   ","max_tokens":5}""")),
        ("model null", Utf8("""{"model":null,"max_tokens":5}""")),
        // Longer than any model id: refused before its name could reach a ledger row (a Table property holds 32K characters).
        ("model 300 characters", Utf8("{\"model\":\"" + new string('m', 300) + "\",\"max_tokens\":5}")),
        ("model missing", Utf8("""{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}""")),
        ("duplicate model", Utf8("""{"model":"gpt-4o-mini","model":"sim-large","max_tokens":5}""")),
        ("duplicate stream", Utf8("""{"model":"gpt-4o-mini","stream":false,"stream":true,"max_tokens":5}""")),
        ("duplicate nested", Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","role":"system","content":"x"}]}""")),
        ("lone high surrogate", Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"input":"\ud800","prompt":"\ud800","messages":[{"role":"user","content":"\ud800"}]}""")),
        ("lone low surrogate in a name", Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"\udc00":1}""")),
        ("surrogate in the model", Utf8("""{"model":"gpt-4o-mini\ud800","max_tokens":5}""")),
        ("invalid UTF-8", [.. Utf8("{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"input\":\""), 0xFF, 0xFE, .. Utf8("\"}")]),
        ("overlong UTF-8", [.. Utf8("{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"input\":\""), 0xC0, 0xAF, .. Utf8("\"}")]),
        ("UTF-16 body", Encoding.Unicode.GetBytes("""{"model":"gpt-4o-mini","max_tokens":5}""")),
        ("nested 200 deep", Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"x":""" + new string('[', 200) + new string(']', 200) + "}")),
        // n and best_of are read on the routes that take them; elsewhere they are the upstream's to refuse.
        ("n out of range", Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"n":1000,"best_of":1000,"messages":[{"role":"user","content":"x"}],"prompt":"x"}""")),
        ("n a string", Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"n":"2","best_of":"2","messages":[{"role":"user","content":"x"}],"prompt":"x"}""")),
    ];

    /// <summary>Credentials that are not a gateway key, by name.</summary>
    private static readonly (string Name, Action<HttpRequestMessage> Apply)[] BadCredentials =
    [
        ("none", _ => { }),
        ("empty bearer", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer ")),
        ("basic", r => r.Headers.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz")),
        ("provider key", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer sk-proj-abcdef")),
        ("no secret", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer gw_abc_")),
        ("bad id characters", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer gw_a.b_secret")),
        ("very long", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer gw_" + new string('a', 4000) + "_s")),
        ("admin key", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + GatewayServer.AdminKey)),
        ("non-ASCII", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer gw_ключ_секрет")),
        ("unknown id", r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer gw_corpus0unknown_" + new string('s', 43))),
    ];

    [Fact]
    public async Task Malformed_bodies_with_a_real_key_get_a_4xx_in_the_providers_format_and_cost_nothing()
    {
        var key = await fixture.Admin.CreateKeyAsync("corpus-bodies", 1m);
        var before = await fixture.Simulator.RequestCountAsync();
        var violations = new List<string>();

        foreach (var route in ProxyRoutes)
        {
            foreach (var (name, body) in BadBodies.Where(b => !b.Name.StartsWith("n ", StringComparison.Ordinal) || route is "/v1/chat/completions" or "/v1/completions"))
            {
                using var request = Post(route, body);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
                await CheckProxyAsync(request, route, name, violations, expect: s => s is 400 or 413);
            }
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
        Assert.Empty(await fixture.Ledger.RowsAsync(key.KeyId));
        Assert.Equal(0, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("reservedMicros").GetInt64());
    }

    [Fact]
    public async Task Bad_credentials_and_encodings_get_a_4xx_and_only_counted_unattributed_rows()
    {
        var before = await fixture.Simulator.RequestCountAsync();
        var rowsBefore = await fixture.Ledger.UnattributedCountsAsync();
        var violations = new List<string>();
        var valid = Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"input":"x","prompt":"x","messages":[{"role":"user","content":"x"}]}""");

        foreach (var route in ProxyRoutes)
        {
            foreach (var (name, apply) in BadCredentials)
            {
                using var request = Post(route, valid);
                apply(request);
                await CheckProxyAsync(request, route, "credentials: " + name, violations, expect: s => s == 401);
            }

            foreach (var (name, body) in BadBodies)
            {
                using var request = Post(route, body);
                await CheckProxyAsync(request, route, "no key, body: " + name, violations, expect: s => s is 401 or 413);
            }
        }

        using (var models = new HttpRequestMessage(HttpMethod.Get, "/v1/models"))
        {
            models.Headers.TryAddWithoutValidation("Authorization", "Bearer gw_corpus0unknown_" + new string('s', 43));
            await CheckProxyAsync(models, "/v1/models", "unknown key", violations, expect: s => s == 401);
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());

        // Hundreds of refusals before anyone was known: the first of each reason is a row, the
        // repeats wait in their window to become one counted row.
        var rows = (await fixture.Ledger.UnattributedCountsAsync()).Except(rowsBefore).ToList();
        Assert.All(rows.GroupBy(r => r.Reason), g => Assert.Single(g));
        Assert.Equal(["malformed_or_missing_key", "unknown_key"], rows.Select(r => r.Reason).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Compressed_and_oddly_encoded_bodies_get_a_4xx_or_are_served_as_plain()
    {
        var key = await fixture.Admin.CreateKeyAsync("corpus-encodings", 1m);
        var violations = new List<string>();
        var plain = Utf8("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"x"}]}""");
        var cases = new (string Name, string Encoding, byte[] Body, Func<int, bool> Expect)[]
        {
            ("gzip that is plain", "gzip", plain, s => s == 400),
            ("unknown encoding", "compress", plain, s => s == 415),
            ("two encodings", "gzip, identity-x", Gzip(plain), s => s == 415),
            ("gzip", "gzip", Gzip(plain), s => s == 200),
        };

        foreach (var (name, encoding, body, expect) in cases)
        {
            using var request = Post("/v1/chat/completions", body);
            request.Content!.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
            await CheckProxyAsync(request, "/v1/chat/completions", name, violations, expect);
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    /// <summary>Every admin route, with a path whose ids are real where the route needs one.</summary>
    private static IEnumerable<(HttpMethod Method, string Path)> AdminRoutes(string keyId) =>
    [
        (HttpMethod.Post, "/admin/v1/keys"),
        (HttpMethod.Get, $"/admin/v1/keys/{keyId}"),
        (HttpMethod.Patch, $"/admin/v1/keys/{keyId}"),
        (HttpMethod.Post, $"/admin/v1/keys/{keyId}/rotate"),
        (HttpMethod.Post, $"/admin/v1/keys/{keyId}/capture"),
        (HttpMethod.Get, $"/admin/v1/keys/{keyId}/content/nosuchrequest"),
        (HttpMethod.Get, "/admin/v1/keys"),
        (HttpMethod.Post, "/admin/v1/users"),
        (HttpMethod.Get, "/admin/v1/users/corpus-admin"),
        (HttpMethod.Patch, "/admin/v1/users/corpus-admin"),
        (HttpMethod.Post, "/admin/v1/teams"),
        (HttpMethod.Get, "/admin/v1/teams/corpus-team"),
        (HttpMethod.Patch, "/admin/v1/teams/corpus-team"),
        (HttpMethod.Post, "/admin/v1/admin-keys"),
        (HttpMethod.Post, "/admin/v1/admin-keys/nosuchadminkey/revoke"),
        (HttpMethod.Get, "/admin/v1/admin-audit"),
        (HttpMethod.Get, "/admin/v1/audit"),
        (HttpMethod.Get, "/admin/v1/usage"),
    ];

    /// <summary>Bodies no admin route accepts (routes without a body get them too: they must not fail on them).</summary>
    private static readonly (string Name, byte[] Body)[] BadAdminBodies =
    [
        ("empty object", Utf8("{}")),
        ("null", Utf8("null")),
        ("array", Utf8("[1,2]")),
        ("truncated", Utf8("""{"id":""")),
        ("duplicate", Utf8("""{"id":"a","id":"b","userId":"a","userId":"b","capUsd":1,"capUsd":2}""")),
        ("wrong kinds", Utf8("""{"id":5,"userId":[],"capUsd":"5","models":"gpt-4o","rpm":"x","period":7,"enabled":"yes","reason":{},"graceSeconds":"1","name":1,"role":true}""")),
        ("huge numbers", Utf8("""{"id":"x","userId":"corpus-admin","capUsd":1e400,"rpm":99999999999999999999,"graceSeconds":-1e30}""")),
        ("newline id", Utf8("""{"id":"alice\n","userId":"alice\n","name":"a"}""")),
        ("dots", Utf8("""{"id":"..","userId":".","name":"a"}""")),
        ("lone surrogate", Utf8("""{"id":"a\ud800","userId":"\udc00","name":"\ud800","reason":"\ud800","enabled":true}""")),
        ("invalid UTF-8", [.. Utf8("{\"name\":\""), 0xFF, 0xC0, .. Utf8("\"}")]),
        ("models of null", Utf8("""{"userId":"corpus-admin","capUsd":1,"models":[null,1,""]}""")),
        ("deep", Utf8("""{"name":""" + new string('[', 300) + new string(']', 300) + "}")),
        ("long strings", Utf8(JsonSerializer.Serialize(new { id = new string('a', 5000), userId = new string('b', 5000), name = new string('c', 100_000), reason = new string('d', 100_000), capUsd = 1 }))),
        ("control characters", Utf8("""{"id":"a\u0000b","name":"\u0007\u001b[31m","reason":"\u200b","enabled":true,"capUsd":1,"userId":"corpus-admin"}""")),
    ];

    /// <summary>Query strings and ids no admin route accepts.</summary>
    private static readonly string[] BadAdminTargets =
    [
        "/admin/v1/keys?limit=abc", "/admin/v1/keys?limit=-1&userId=corpus-admin", "/admin/v1/keys?userId=..", "/admin/v1/keys?cursor=%FF%FE&userId=corpus-admin",
        "/admin/v1/audit?keyId=x&limit=abc", "/admin/v1/audit?userId=corpus-admin&from=garbage", "/admin/v1/audit?userId=corpus-admin&from=2026-13-45",
        "/admin/v1/audit?keyId=..", "/admin/v1/audit", "/admin/v1/usage?groupBy=nothing", "/admin/v1/usage?from=yesterday",
        "/admin/v1/admin-audit?limit=0", "/admin/v1/admin-audit?limit=abc", "/admin/v1/admin-audit?cursor=not-a-cursor", "/admin/v1/admin-audit?from=x",
        // (A NUL in a path, %00, is refused by Kestrel itself with an empty 400 before any gateway code runs.)
        "/admin/v1/users/..", "/admin/v1/users/%2E%2E", "/admin/v1/users/alice%0A", "/admin/v1/users/" + new string('u', 300),
        "/admin/v1/users/%F0%9F%98%80", "/admin/v1/teams/%FF", "/admin/v1/keys/..", "/admin/v1/keys/a%0Ab", "/admin/v1/keys/" + new string('k', 300),
        "/admin/v1/keys/abc/content/%0A",
    ];

    [Fact]
    public async Task Malformed_admin_calls_get_a_4xx_with_problem_details_on_every_route()
    {
        await fixture.Admin.EnsureUserAsync("corpus-admin");
        using (var team = await fixture.Admin.PostAsync("/admin/v1/teams", Json("""{"id":"corpus-team"}""")))
        {
            Assert.True(team.IsSuccessStatusCode || team.StatusCode == HttpStatusCode.Conflict, $"create team: {(int)team.StatusCode}");
        }

        var key = await fixture.Admin.CreateKeyAsync("corpus-admin", 1m);
        var violations = new List<string>();
        foreach (var (method, path) in AdminRoutes(key.KeyId))
        {
            foreach (var (name, body) in BadAdminBodies)
            {
                using var request = new HttpRequestMessage(method, path);
                if (method != HttpMethod.Get)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                }

                // Routes that read no body may well succeed; none may fail with a 5xx or an empty error.
                await CheckAdminAsync(request, name, violations, expect: s => s < 500);
            }
        }

        foreach (var target in BadAdminTargets)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            await CheckAdminAsync(request, "query or id", violations, expect: s => s is >= 400 and < 500);
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));

        // The key's limits are as they were: no malformed call changed anything.
        var state = await fixture.Admin.GetKeyAsync(key.KeyId);
        Assert.Equal((1_000_000L, "active"), (state.GetProperty("capMicros").GetInt64(), state.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Bad_admin_keys_get_401_problem_details_and_one_audit_row_per_address_and_window()
    {
        var violations = new List<string>();
        foreach (var (method, path) in AdminRoutes("somekey"))
        {
            foreach (var credential in new[] { "", "Bearer ", "Bearer gwadmin_wrong", "Basic YTpi", "Bearer gw_userkey_secret" })
            {
                using var request = new HttpRequestMessage(method, path);
                if (credential.Length > 0)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", credential);
                }

                await CheckAdminAsync(request, $"credential '{credential}'", violations, expect: s => s == 401, useAdminKey: false);
            }
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));

        // 90 refused calls before anyone was known: one row for the address's window (two if the
        // calls straddled the end of a one-minute window), not 90.
        var audit = await fixture.Admin.GetJsonAsync("/admin/v1/admin-audit?limit=1000");
        var refused = audit.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("status").GetInt32() == 401).ToList();
        Assert.InRange(refused.Count, 1, 2);
    }

    private async Task CheckAdminAsync(HttpRequestMessage request, string name, List<string> violations, Func<int, bool> expect, bool useAdminKey = true)
    {
        using var http = useAdminKey ? fixture.Gateway.CreateAdminClient() : new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var response = await http.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{request.Method} {request.RequestUri} [{name}] -> {status} {Truncate(text)}";
        if (!expect(status) || status >= 500)
        {
            violations.Add("unexpected status: " + where);
            return;
        }

        if (status < 400)
        {
            return;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            violations.Add("not problem details: " + where);
            return;
        }

        var problem = JsonDocument.Parse(text).RootElement;
        if (!problem.TryGetProperty("status", out var s) || s.GetInt32() != status || !problem.TryGetProperty("detail", out var d) || d.GetString() is not { Length: > 0 })
        {
            violations.Add("problem details without status or detail: " + where);
        }
        else if (d.GetString()!.Contains("System.", StringComparison.Ordinal))
        {
            violations.Add(".NET type name in the detail: " + where);
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task CheckProxyAsync(HttpRequestMessage request, string route, string name, List<string> violations, Func<int, bool> expect)
    {
        // UTF-8 header values on the wire, as a careless client may send them.
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var response = await http.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{request.Method} {route} [{name}] -> {status} {Truncate(text)}";
        if (status >= 500 || !expect(status))
        {
            violations.Add("unexpected status: " + where);
            return;
        }

        if (status >= 400 && !IsProviderError(text, route == "/v1/messages"))
        {
            violations.Add("not in the provider's error format: " + where);
        }
    }

    private static bool IsProviderError(string text, bool anthropic)
    {
        try
        {
            var root = JsonDocument.Parse(text).RootElement;
            return anthropic
                ? root.GetProperty("type").GetString() == "error" && root.GetProperty("error").GetProperty("message").GetString() is { Length: > 0 }
                : root.GetProperty("error").GetProperty("message").GetString() is { Length: > 0 };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private static HttpRequestMessage Post(string route, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Truncate(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
