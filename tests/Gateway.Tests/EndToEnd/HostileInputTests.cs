using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// What an attacker or a careless caller sends, through real HTTP against the simulator: no request
/// spends past its cap, and bad input gets a precise 4xx in the caller's format with nothing reserved.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.Fixture fixture) : IClassFixture<HostileInputTests.Fixture>
{
    /// <summary>The failed-authentication limit is off here: these tests send bad keys on purpose (DenialFloodTests cover the limit).</summary>
    public sealed class Fixture : GatewayFixture
    {
        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
        {
            ["Gateway:Frontend:FailedAuthPerMinute"] = "0",
        };
    }

    // sim-large in prices.json: $5 in, $20 out per million tokens = 5 and 20 micro-dollars a token.
    private const long SimLargeIn = 5, SimLargeOut = 20;

    [Fact]
    public async Task N_choices_are_reserved_and_charged_for_every_output()
    {
        // n:4 of 100 tokens would reserve 8,000+ micro-dollars; the key has 5,000.
        var key = await fixture.Admin.CreateKeyAsync("hostile-n", 0.005m);
        var before = await fixture.Simulator.RequestCountAsync();

        using var refused = await PostAsync("/v1/chat/completions", key.Key, """{"model":"sim-large","max_tokens":100,"n":4,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("insufficient_quota", await ErrorCodeAsync(refused));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());

        // n:2 of 10 tokens: both outputs are billed (the simulator answers 10 tokens each).
        using var accepted = await PostAsync("/v1/chat/completions", key.Key, """{"model":"sim-large","max_tokens":10,"n":2,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(before + 1, await fixture.Simulator.RequestCountAsync());
        var row = await CompletedRowAsync(key.KeyId);
        Assert.Equal(20, row.OutputTokens);
        Assert.Equal(row.InputTokens * SimLargeIn + 20 * SimLargeOut, row.CostMicros);
        Assert.Equal(row.InputTokens * SimLargeIn + 2 * 10 * SimLargeOut, row.ReservedMicros);
        await AssertOnlyTheProviderKeyWentUpstreamAsync();
    }

    [Fact]
    public async Task Best_of_is_reserved_for_every_candidate_the_upstream_generates()
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-best-of", 1m);

        using var response = await PostAsync("/v1/completions", key.Key, """{"model":"sim-large","prompt":"Say something","max_tokens":5,"n":1,"best_of":3}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await CompletedRowAsync(key.KeyId);
        Assert.Equal(15, row.OutputTokens);
        Assert.Equal(row.InputTokens * SimLargeIn + 15 * SimLargeOut, row.ReservedMicros);
        Assert.Equal(row.ReservedMicros, row.CostMicros);
        await AssertOnlyTheProviderKeyWentUpstreamAsync();
    }

    [Theory]
    [InlineData("""{"model":"sim-large","n":9,"messages":[{"role":"user","content":"hi"}]}""", "'n' must be an integer from 1 to 8")]
    [InlineData("""{"model":"sim-large","n":"2","messages":[{"role":"user","content":"hi"}]}""", "'n' must be an integer")]
    [InlineData("""{"model":"sim-large","n":0,"messages":[{"role":"user","content":"hi"}]}""", "'n' must be an integer")]
    public async Task Out_of_range_output_counts_are_refused_before_anything_is_reserved(string body, string message)
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-n-range", 1m);
        var before = await fixture.Simulator.RequestCountAsync();

        using var response = await PostAsync("/v1/chat/completions", key.Key, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await ErrorMessageAsync(response), StringComparison.Ordinal);
        Assert.Empty(await fixture.Ledger.RowsAsync(key.KeyId));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Theory]
    [InlineData("gpt-4o-mini-pro")]
    [InlineData("gpt-4o-mini-search-preview")]
    [InlineData("gpt-4o-mini-2024-13-45")]
    [InlineData("o3-deep-research-preview")]
    public async Task A_model_that_only_starts_like_a_priced_one_is_not_priced_as_it(string model)
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-prefix", 1m);
        var before = await fixture.Simulator.RequestCountAsync();

        using var response = await PostAsync("/v1/chat/completions", key.Key, $$"""{"model":"{{model}}","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", await ErrorCodeAsync(response));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Fact]
    public async Task A_dated_snapshot_is_priced_as_its_model()
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-snapshot", 1m);

        using var response = await PostAsync("/v1/chat/completions", key.Key, """{"model":"gpt-4o-mini-2024-07-18","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await CompletedRowAsync(key.KeyId);

        // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
        Assert.Equal((150_000, 600_000), (row.PriceInputMicrosPerMTok, row.PriceOutputMicrosPerMTok));
        await AssertOnlyTheProviderKeyWentUpstreamAsync();
    }

    [Fact]
    public async Task Legacy_completions_without_max_tokens_never_pass_the_cap()
    {
        // Each request reserves its prompt and the API's default of 16 output tokens, which the
        // gateway writes into the forwarded body: 16 x 20 = 320 micro-dollars of output.
        const long cap = 1_000;
        var key = await fixture.Admin.CreateKeyAsync("hostile-legacy", cap / 1_000_000m);
        var before = await fixture.Simulator.RequestCountAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await PostAsync("/v1/completions", key.Key, """{"model":"sim-large","prompt":"Tell me a long story [sim:tokens=200]"}""");
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var state = await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId), s => s.GetProperty("reservedMicros").GetInt64() == 0, TimeSpan.FromSeconds(10), "settled");
        var rows = await fixture.Ledger.RowsAsync(key.KeyId);
        var completed = rows.Where(r => r.Outcome == "completed").ToList();
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.OK), completed.Count);
        Assert.All(completed, r => Assert.Equal(16, r.OutputTokens));
        Assert.All(completed, r => Assert.Equal(r.InputTokens * SimLargeIn + 16 * SimLargeOut, r.ReservedMicros));
        Assert.True(state.GetProperty("spentMicros").GetInt64() <= cap, $"spent {state.GetProperty("spentMicros")} of a {cap} cap");

        // Only the requests answered 200 reached the provider; the refused ones did not.
        Assert.Equal(before + completed.Count, await fixture.Simulator.RequestCountAsync());
        await AssertOnlyTheProviderKeyWentUpstreamAsync();
    }

    [Fact]
    public async Task A_stated_ceiling_above_the_models_maximum_reserves_only_the_maximum()
    {
        // sim-large writes at most 8,192 tokens; a million asked for is never more than that reserved.
        var key = await fixture.Admin.CreateKeyAsync("hostile-ceiling", 1m);

        using var response = await PostAsync("/v1/chat/completions", key.Key, """{"model":"sim-large","max_tokens":1000000,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await CompletedRowAsync(key.KeyId);
        Assert.Equal(row.InputTokens * SimLargeIn + 8_192 * SimLargeOut, row.ReservedMicros);
        await AssertOnlyTheProviderKeyWentUpstreamAsync();
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o-mini","stream":false,"stream":true,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o-mini","model":"sim-large","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("/v1/messages", """{"model":"claude-haiku-4-5","max_tokens":5,"max_tokens":5000,"messages":[{"role":"user","content":"hi"}]}""")]
    public async Task A_property_named_twice_is_refused_before_anything_is_reserved(string path, string body)
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-duplicate", 1m);
        var before = await fixture.Simulator.RequestCountAsync();

        using var response = await PostAsync(path, key.Key, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Duplicate", await ErrorMessageAsync(response), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
        Assert.Empty(await fixture.Ledger.RowsAsync(key.KeyId));
        Assert.Equal(0, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("reservedMicros").GetInt64());
    }

    public static TheoryData<string, byte[]> BadEncodings()
    {
        var data = new TheoryData<string, byte[]>();
        foreach (var route in new[] { "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/messages" })
        {
            data.Add(route, Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini\ud800","max_tokens":5,"prompt":"x","input":"x","messages":[{"role":"user","content":"x"}]}"""));
            data.Add(route, Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","max_tokens":5,"prompt":"\udc00x","input":"\ud800","messages":[{"role":"user","content":"a\ud800b"}]}"""));
            data.Add(route, [.. Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","max_tokens":5,"prompt":"x"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(""" ","input":"x","messages":[{"role":"user","content":"x"}]}""")]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadEncodings))]
    public async Task Invalid_unicode_gets_400_in_the_callers_format(string path, byte[] body)
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-unicode", 1m);
        var before = await fixture.Simulator.RequestCountAsync();

        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (path == "/v1/messages")
        {
            Assert.Equal("error", error.GetProperty("type").GetString());
            Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        }

        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Fact]
    public async Task A_large_body_with_a_made_up_key_is_refused_without_being_read()
    {
        // 1 MiB that is not JSON at all: read, it would be a 400; refused on the key alone, a 401.
        var garbage = new byte[1024 * 1024];
        Array.Fill(garbage, (byte)'{');
        var before = await fixture.Simulator.RequestCountAsync();

        using var madeUp = await PostAsync("/v1/chat/completions", "gw_madeupkey001_" + new string('s', 43), garbage);
        Assert.Equal(HttpStatusCode.Unauthorized, madeUp.StatusCode);
        Assert.Equal("invalid_api_key", await ErrorCodeAsync(madeUp));

        // The same sent chunked, with no Content-Length: found large while reading, refused on the key.
        using (var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) })
        using (var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StreamContent(new MemoryStream(garbage)) })
        {
            chunked.Headers.TransferEncodingChunked = true;
            chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            chunked.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "gw_madeupkey002_" + new string('s', 43));
            using var response = await http.SendAsync(chunked);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var key = await fixture.Admin.CreateKeyAsync("hostile-large", 1m);
        using var real = await PostAsync("/v1/chat/completions", key.Key, garbage);
        Assert.Equal(HttpStatusCode.BadRequest, real.StatusCode);
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Fact]
    public async Task A_body_sent_chunked_is_served_and_charged_like_one_with_a_length()
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-chunked", 1m);
        var body = JsonSerializer.SerializeToUtf8Bytes(new { model = "sim-large", max_tokens = 10, messages = new[] { new { role = "user", content = "chunked" } } });

        using (var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) })
        using (var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StreamContent(new MemoryStream(body)) })
        {
            chunked.Headers.TransferEncodingChunked = true;
            chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            chunked.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
            using var response = await http.SendAsync(chunked);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var row = await CompletedRowAsync(key.KeyId);
        Assert.True(row.UsageReported);
        Assert.Equal(row.InputTokens * SimLargeIn + row.OutputTokens * SimLargeOut, row.CostMicros);
    }

    [Fact]
    public async Task A_client_that_stops_mid_body_sends_nothing_upstream_and_reserves_nothing()
    {
        var key = await fixture.Admin.CreateKeyAsync("hostile-short", 1m);
        var before = await fixture.Simulator.RequestCountAsync();
        var body = Encoding.UTF8.GetBytes("{\"model\":\"sim-large\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        var address = new Uri(fixture.Gateway.BaseUrl);

        // Raw HTTP: a client library will not send fewer bytes than it declared. Half the body, then
        // the end of the stream: the server drops the connection, and nothing may come of the half.
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(address.Host, address.Port);
            var stream = client.GetStream();
            var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {key.Key}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            var answer = await ReadUntilClosedAsync(stream);
            Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), answer);
        }

        // The key is untouched and serves the whole body next.
        using var whole = await PostAsync("/v1/chat/completions", key.Key, body);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(before + 1, await fixture.Simulator.RequestCountAsync());
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count >= 1, TimeSpan.FromSeconds(10), "the served request's row");
        Assert.Equal("completed", Assert.Single(rows).Outcome);
    }

    [Fact]
    public async Task A_body_declared_past_a_mebibyte_is_read_as_it_arrives_and_judged_whole()
    {
        // 1.2 MB of prompt with its length declared: past what is allocated ahead, so read in chunks,
        // yet parsed whole: its tokens are counted, and too many for sim-small's window.
        var key = await fixture.Admin.CreateKeyAsync("hostile-declared-large", 5m);
        var before = await fixture.Simulator.RequestCountAsync();
        var prompt = string.Concat(Enumerable.Repeat(" hello", 200_000));

        using var response = await PostAsync("/v1/chat/completions", key.Key, JsonSerializer.Serialize(new { model = "sim-small", max_tokens = 5, messages = new[] { new { role = "user", content = prompt } } }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("context_length_exceeded", await ErrorCodeAsync(response));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Fact]
    public async Task A_prompt_past_the_models_context_window_is_refused_without_going_upstream()
    {
        // sim-small has a 128,000-token window; 140,000 repetitions of " hello" are more tokens than that.
        var key = await fixture.Admin.CreateKeyAsync("hostile-context", 5m);
        var before = await fixture.Simulator.RequestCountAsync();
        var prompt = string.Concat(Enumerable.Repeat(" hello", 140_000));

        using var response = await PostAsync("/v1/chat/completions", key.Key, JsonSerializer.Serialize(new { model = "sim-small", max_tokens = 5, messages = new[] { new { role = "user", content = prompt } } }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("context_length_exceeded", await ErrorCodeAsync(response));
        Assert.Contains("128000", await ErrorMessageAsync(response), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Fact]
    public async Task An_unknown_key_under_concurrency_is_always_a_401()
    {
        var madeUp = "gw_nosuchkey0042_" + new string('x', 43);
        var before = await fixture.Simulator.RequestCountAsync();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 150).Select(async _ =>
        {
            using var response = await PostAsync("/v1/chat/completions", madeUp, """{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");
            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    [Theory]
    [InlineData("GET", "/v1/nope", null, 404, "openai")]
    [InlineData("POST", "/v1/chat/complete", null, 404, "openai")]
    [InlineData("GET", "/v1/messages/batches", "x-api-key", 404, "anthropic")]
    [InlineData("GET", "/v1/chat/completions", null, 405, "openai")]
    [InlineData("DELETE", "/v1/messages", "x-api-key", 405, "anthropic")]
    [InlineData("GET", "/admin/v1/nope", null, 404, "problem")]
    [InlineData("DELETE", "/admin/v1/keys/abc", null, 405, "problem")]
    [InlineData("GET", "/nothing-here", null, 404, "problem")]
    public async Task Unrouted_paths_and_wrong_methods_answer_in_the_callers_format(string method, string path, string? header, int status, string format)
    {
        using var http = fixture.Gateway.CreateAdminClient();
        var before = await fixture.Simulator.RequestCountAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (header is not null)
        {
            request.Headers.Add(header, "gw_whatever_secret");
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), "empty error body");
        var body = JsonDocument.Parse(text).RootElement;
        switch (format)
        {
            case "openai":
                Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
                break;
            case "anthropic":
                Assert.Equal("error", body.GetProperty("type").GetString());
                break;
            default:
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(status, body.GetProperty("status").GetInt32());
                break;
        }

        // Answered by the gateway itself: nothing went upstream.
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    /// <summary>
    /// Whatever reached the provider in this class's tests so far (they share the simulator) came with
    /// the provider's key: none with a caller's key, none with no key.
    /// </summary>
    private async Task AssertOnlyTheProviderKeyWentUpstreamAsync()
    {
        Assert.Equal(0, await fixture.Simulator.RejectedCredentialsAsync());
        Assert.Equal([SimulatorServer.ProviderKeyFingerprint], (await fixture.Simulator.RequestsByCredentialAsync()).Keys);
    }

    private async Task<Gateway.Storage.Audit.AuditRecord> CompletedRowAsync(string keyId) =>
        (await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Any(x => x.Outcome == "completed"), TimeSpan.FromSeconds(10), "a completed row"))
        .Single(r => r.Outcome == "completed");

    /// <summary>What the server sent before it closed the connection (a reset after its answer included).</summary>
    private static async Task<string> ReadUntilClosedAsync(Stream stream)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // The server may reset a connection whose request body never arrived whole.
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    private Task<HttpResponseMessage> PostAsync(string path, string key, string body) => PostAsync(path, key, Encoding.UTF8.GetBytes(body));

    private async Task<HttpResponseMessage> PostAsync(string path, string key, byte[] body)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString();

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString() ?? "";
}
