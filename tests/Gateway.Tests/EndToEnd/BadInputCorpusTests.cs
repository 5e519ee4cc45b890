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
