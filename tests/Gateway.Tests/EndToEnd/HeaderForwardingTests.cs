using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Simulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// What reaches the provider, as the simulator recorded it: exactly the allow-listed caller headers,
/// the gateway's own credentials, organisation and project, the allowed betas; and what is refused
/// before anything is reserved or forwarded.
/// </summary>
public sealed class HeaderForwardingTests(OrganizationGatewayFixture fixture) : IClassFixture<OrganizationGatewayFixture>
{
    /// <summary>What Claude Code 2.1.328 sends with an API key and ANTHROPIC_BASE_URL, recorded from its requests.</summary>
    private const string ClaudeCodeBetas =
        "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,per-turn-control-2026-07-01,"
        + "mid-conversation-tool-changes-2026-07-01,thinking-token-count-2026-05-13,advanced-tool-use-2025-11-20,effort-2025-11-24";

    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    /// <summary>Headers no caller may choose for the provider, sent on every request of these tests.</summary>
    private static readonly (string Name, string Value)[] Hostile =
    [
        ("OpenAI-Organization", "org-chosen-by-caller"),
        ("OpenAI-Project", "proj-chosen-by-caller"),
        ("api-key", "sk-caller-provider-key"),
        ("X-Forwarded-For", "203.0.113.9"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "https"),
        ("Forwarded", "for=203.0.113.9;proto=https"),
        ("X-Real-IP", "203.0.113.9"),
        ("Cookie", "session=caller"),
        ("X-Foo", "bar"),
        ("Via", "1.1 caller-proxy"),
        ("Proxy-Authorization", "Basic Y2FsbGVyOnNlY3JldA=="),
        ("Origin", "https://evil.example"),
        ("Referer", "https://evil.example/page"),
        ("baggage", "tenant=caller"),
        ("Accept-Encoding", "gzip, br"),
        ("X-Stainless-Lang", "js"),
        ("X-Stainless-Retry-Count", "0"),
        ("x-sim-tokens", "1"),
    ];

    private HttpClient Http() => new() { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };

    private static HttpRequestMessage Post(string path, string key, string json, bool anthropic, IEnumerable<(string Name, string Value)> headers) =>
        Post(path, key, new StringContent(json, Encoding.UTF8, "application/json"), anthropic, headers);

    private static HttpRequestMessage Post(string path, string key, HttpContent content, bool anthropic, IEnumerable<(string Name, string Value)> headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (anthropic)
        {
            request.Headers.Add("x-api-key", key);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static string Chat(string marker) =>
        $$"""{"model":"gpt-4o-mini","max_tokens":8,"messages":[{"role":"user","content":"{{marker}}"}]}""";

    private static string Message(string marker) =>
        $$"""{"model":"claude-haiku-4-5","max_tokens":8,"messages":[{"role":"user","content":"{{marker}}"}]}""";

    private static string NewMarker() => "marker-" + Guid.NewGuid().ToString("N");

    private async Task<RecordedRequest> ReceivedAsync(string marker) =>
        Assert.Single(await fixture.Simulator.RequestsAsync(marker));

    /// <summary>
    /// A refused request leaves no ledger row; proven without waiting on nothing: an accepted
    /// request with the same key is then the key's one and only row, and all its spend.
    /// </summary>
    private async Task AssertNothingChargedAsync(CreatedKey key, bool anthropic)
    {
        using var http = Http();
        using var accepted = await http.SendAsync(Post(anthropic ? "/v1/messages" : "/v1/chat/completions", key.Key,
            anthropic ? Message("accepted") : Chat("accepted"), anthropic, anthropic ? [("anthropic-version", "2023-06-01")] : []));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var row = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "the accepted request's row"));
        Assert.Equal("completed", row.Outcome);
        var state = await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId), s => s.GetProperty("spentMicros").GetInt64() >= row.CostMicros, TimeSpan.FromSeconds(10), "spend to include the row");
        Assert.Equal(row.CostMicros, state.GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task Only_allow_listed_headers_reach_the_OpenAI_upstream_with_the_configured_organization_and_project()
    {
        var key = await fixture.Admin.CreateKeyAsync("hedy", 5m);
        var marker = NewMarker();
        using var http = Http();

        using var response = await http.SendAsync(Post("/v1/chat/completions", key.Key, Chat(marker), anthropic: false,
        [
            .. Hostile,
            ("Accept", "application/json"),
            ("User-Agent", "OpenAI/Python 1.99.0"),
            ("traceparent", TraceParent),
            ("tracestate", "vendor=caller"),
            ("Idempotency-Key", "idem-" + marker),
            ("OpenAI-Beta", "assistants=v2"),
            ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", "context-1m-2025-08-07"),
        ]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = await ReceivedAsync(marker);
        Assert.Equal(
            ["accept", "authorization", "content-length", "content-type", "host", "idempotency-key", "openai-beta", "openai-organization", "openai-project",
                "traceparent", "tracestate", "user-agent"],
            received.Headers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Bearer " + SimulatorServer.ProviderKey], received.Headers["authorization"]);
        Assert.Equal([OrganizationGatewayFixture.Organization], received.Headers["openai-organization"]);
        Assert.Equal([OrganizationGatewayFixture.Project], received.Headers["openai-project"]);
        Assert.Equal(["assistants=v2"], received.Headers["openai-beta"]);
        Assert.Equal(["idem-" + marker], received.Headers["idempotency-key"]);
        Assert.Equal(["OpenAI/Python 1.99.0"], received.Headers["user-agent"]);
        // The gateway's own span, in the caller's trace.
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", Assert.Single(received.Headers["traceparent"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Claude_Code_headers_reach_the_Anthropic_upstream_as_its_version_and_betas_only()
    {
        var key = await fixture.Admin.CreateKeyAsync("ada", 5m);
        var marker = NewMarker();
        using var http = Http();

        using var response = await http.SendAsync(Post("/v1/messages", key.Key, Message(marker), anthropic: true,
        [
            .. Hostile,
            ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", ClaudeCodeBetas),
            ("anthropic-dangerous-direct-browser-access", "true"),
            ("x-app", "cli"),
            ("X-Claude-Code-Session-Id", "66aedfff-7302-41cc-8235-0891893b6668"),
            ("User-Agent", "claude-cli/2.1.328 (external, sdk-cli)"),
            ("Accept", "application/json"),
            ("OpenAI-Beta", "assistants=v2"),
        ]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = await ReceivedAsync(marker);
        // traceparent: the gateway traces every request and passes its span on, though the caller started no trace.
        Assert.Equal(
            ["accept", "anthropic-beta", "anthropic-version", "content-length", "content-type", "host", "traceparent", "user-agent", "x-api-key"],
            received.Headers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([SimulatorServer.ProviderKey], received.Headers["x-api-key"]);
        Assert.Equal(["2023-06-01"], received.Headers["anthropic-version"]);
        Assert.Equal(ClaudeCodeBetas.Split(','), Assert.Single(received.Headers["anthropic-beta"]).Split(','));
    }

    [Fact]
    public async Task Anthropic_request_without_a_version_is_sent_with_2023_06_01()
    {
        var key = await fixture.Admin.CreateKeyAsync("grace", 5m);
        var marker = NewMarker();
        using var http = Http();

        using var response = await http.SendAsync(Post("/v1/messages", key.Key, Message(marker), anthropic: true, []));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = await ReceivedAsync(marker);
        Assert.Equal(["2023-06-01"], received.Headers["anthropic-version"]);
        Assert.False(received.Headers.ContainsKey("anthropic-beta"));
    }

    [Theory]
    [InlineData("2024-10-22")]
    [InlineData("2023-06-01, 2023-01-01")]
    public async Task Unknown_anthropic_version_is_refused_in_Anthropic_format_and_costs_nothing(string version)
    {
        var key = await fixture.Admin.CreateKeyAsync("joan", 5m);
        var marker = NewMarker();
        using var http = Http();

        using var response = await http.SendAsync(Post("/v1/messages", key.Key, Message(marker), anthropic: true, [("anthropic-version", version)]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("anthropic-version", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await fixture.Simulator.RequestsAsync(marker));
        await AssertNothingChargedAsync(key, anthropic: true);
    }

    [Theory]
    [InlineData(true, "anthropic-beta", "claude-code-20250219, context-1m-2025-08-07", "context-1m-2025-08-07", "Gateway:Upstreams:Anthropic:AllowedBetas")]
    [InlineData(true, "anthropic-beta", "extended-cache-ttl-2025-04-11, oauth-2025-04-20", "oauth-2025-04-20", "Gateway:Upstreams:Anthropic:AllowedBetas")]
    [InlineData(false, "OpenAI-Beta", "realtime=v1", "realtime=v1", "Gateway:Upstreams:OpenAI:AllowedBetas")]
    public async Task Beta_not_on_the_list_is_refused_naming_it_and_the_setting_and_nothing_goes_upstream(
        bool anthropic, string header, string value, string refusedBeta, string setting)
    {
        var key = await fixture.Admin.CreateKeyAsync("lin", 5m);
        var marker = NewMarker();
        using var http = Http();
        (string, string)[] headers = anthropic ? [("anthropic-version", "2023-06-01"), (header, value)] : [(header, value)];

        using var response = await http.SendAsync(Post(anthropic ? "/v1/messages" : "/v1/chat/completions", key.Key,
            anthropic ? Message(marker) : Chat(marker), anthropic, headers));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var message = error.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains(refusedBeta, message, StringComparison.Ordinal);
        Assert.Contains(setting, message, StringComparison.Ordinal);
        if (anthropic)
        {
            Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal("invalid_header", error.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Empty(await fixture.Simulator.RequestsAsync(marker));
        await AssertNothingChargedAsync(key, anthropic);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task Compressed_body_is_decoded_forwarded_plain_and_charged_as_the_plain_body(string encoding)
    {
        var plainKey = await fixture.Admin.CreateKeyAsync("pia", 5m);
        var encodedKey = await fixture.Admin.CreateKeyAsync("pia", 5m);
        var marker = NewMarker();
        // Repetitive, so its encoded form is far shorter than it: a body read only as far as its
        // declared (encoded) length would reach the upstream cut short.
        var json = $$"""{"model":"gpt-4o-mini","max_tokens":8,"user":"{{new string('u', 4000)}}","messages":[{"role":"user","content":"{{marker}}"}]}""";
        using var http = Http();

        var body = Encoded(json, encoding);
        Assert.True(body.Headers.ContentLength < json.Length / 4);
        using var encoded = await http.SendAsync(Post("/v1/chat/completions", encodedKey.Key, body, anthropic: false, []));
        using var plain = await http.SendAsync(Post("/v1/chat/completions", plainKey.Key, json, anthropic: false, []));

        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
        var plainAnswer = JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement;
        var encodedAnswer = JsonDocument.Parse(await encoded.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(plainAnswer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            encodedAnswer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(plainAnswer.GetProperty("usage").GetRawText(), encodedAnswer.GetProperty("usage").GetRawText());
        var received = await fixture.Simulator.RequestsAsync(marker);
        Assert.Equal(2, received.Count);
        Assert.All(received, r => Assert.False(r.Headers.ContainsKey("content-encoding")));
        Assert.All(received, r => Assert.Equal(marker, JsonDocument.Parse(r.Body).RootElement.GetProperty("messages")[0].GetProperty("content").GetString()));
        Assert.All(received, r => Assert.Equal(4000, JsonDocument.Parse(r.Body).RootElement.GetProperty("user").GetString()!.Length));
        var encodedRow = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(encodedKey.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "the encoded request's row"));
        var plainRow = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(plainKey.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "the plain request's row"));
        Assert.Equal(("completed", plainRow.InputTokens, plainRow.OutputTokens, plainRow.ReservedMicros, plainRow.CostMicros),
            (encodedRow.Outcome, encodedRow.InputTokens, encodedRow.OutputTokens, encodedRow.ReservedMicros, encodedRow.CostMicros));
        Assert.True(encodedRow.CostMicros > 0);
    }

    [Theory]
    [InlineData(false, "zstd")]
    [InlineData(true, "compress")]
    [InlineData(false, "gzip, br")]
    public async Task Body_in_an_encoding_the_gateway_cannot_decode_is_refused_with_415_in_the_callers_format(bool anthropic, string encoding)
    {
        var key = await fixture.Admin.CreateKeyAsync("uma", 5m);
        var marker = NewMarker();
        using var http = Http();
        var content = new StringContent(anthropic ? Message(marker) : Chat(marker), Encoding.UTF8, "application/json");
        content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);

        using var response = await http.SendAsync(Post(anthropic ? "/v1/messages" : "/v1/chat/completions", key.Key, content, anthropic, []));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(encoding, error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(anthropic, error.TryGetProperty("type", out var type) && type.GetString() == "error");
        Assert.Empty(await fixture.Simulator.RequestsAsync(marker));
    }

    [Fact]
    public async Task Decompression_bomb_is_refused_with_413_and_nothing_goes_upstream()
    {
        var key = await fixture.Admin.CreateKeyAsync("bo", 5m);
        var before = await fixture.Simulator.RequestCountAsync();
        // 17 MiB of JSON (over the 16 MiB default limit) that gzips to a few kilobytes.
        var json = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('a', 17 * 1024 * 1024) + "\"}]}";
        var content = Encoded(json, "gzip");
        Assert.True(content.Headers.ContentLength < 1024 * 1024);
        using var http = Http();

        using var response = await http.SendAsync(Post("/v1/chat/completions", key.Key, content, anthropic: false, []));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Theory]
    [InlineData(false, "gzip")]
    [InlineData(true, "gzip")]
    [InlineData(false, "br")]
    [InlineData(true, "deflate")]
    public async Task Body_that_is_not_what_its_encoding_says_is_refused_with_400_in_the_callers_format(bool anthropic, string encoding)
    {
        var key = await fixture.Admin.CreateKeyAsync("cy", 5m);
        var before = await fixture.Simulator.RequestCountAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"this is not {encoding} at all, just text pretending to be"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(encoding);
        using var http = Http();

        using var response = await http.SendAsync(Post(anthropic ? "/v1/messages" : "/v1/chat/completions", key.Key, content, anthropic, []));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(anthropic, error.TryGetProperty("type", out var type) && type.GetString() == "error");
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    private static ByteArrayContent Encoded(string json, string encoding)
    {
        using var buffer = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            // HTTP's "deflate" is the zlib format (RFC 9110), not a bare deflate stream.
            "deflate" => new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
        })
        {
            compressor.Write(Encoding.UTF8.GetBytes(json));
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(encoding);
        return content;
    }
}
