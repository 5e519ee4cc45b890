using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Gateway.Tests.Routing;

/// <summary>
/// Routes from a public model to upstream deployments: failing over before the first byte on a
/// 429, a 5xx or a refused connection; Azure OpenAI's URL shapes and key header; aliases; an open
/// circuit skipped. Each request is one reservation and one ledger row naming who served it.
/// </summary>
public sealed class UpstreamRoutingTests(RoutingFixture fixture) : IClassFixture<RoutingFixture>
{
    private HttpClient Http() => new() { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };

    private static string Chat(string model, string marker, bool stream = false) =>
        JsonSerializer.Serialize(new { model, max_tokens = 20, stream, messages = new[] { new { role = "user", content = $"hello {marker}" } } });

    private async Task<AuditRecord> OnlyRowAsync(string keyId) =>
        Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count == 1, TimeSpan.FromSeconds(10), "the request's row"));

    private async Task<long> SpentAsync(string keyId, long expected) =>
        (await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(keyId), k => k.GetProperty("spentMicros").GetInt64() == expected, TimeSpan.FromSeconds(10), "the key's spend"))
            .GetProperty("spentMicros").GetInt64();

    [Fact]
    public async Task A_429_fails_over_to_the_next_deployment_and_the_request_is_charged_once()
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m);
        var marker = Guid.NewGuid().ToString("N");
        using var http = Http();

        using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions", key.Key, anthropic: false, Chat("gpt-4o-mini", marker)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.False(response.Headers.Contains("retry-after"), "nothing of the held-back 429 reaches the caller");

        // The busy deployment was asked first and answered 429; the working one served.
        var received = (await fixture.Simulator.RequestsAsync(marker)).Select(r => r.Path).Reverse().ToList();
        Assert.Equal(["/_fault/429/v1/chat/completions", "/v1/chat/completions"], received);

        var row = await OnlyRowAsync(key.KeyId);
        Assert.Equal(("completed", 200, "sim", 2, "gpt-4o-mini"), (row.Outcome, row.HttpStatus, row.Upstream, row.Attempts, row.Model));
        Assert.True(row.CostMicros > 0);
        Assert.Equal(row.CostMicros, await SpentAsync(key.KeyId, row.CostMicros));
    }

    [Fact]
    public async Task A_refused_connection_fails_over_to_an_Azure_deployment_addressed_its_own_way()
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m);
        var marker = Guid.NewGuid().ToString("N");
        using var http = Http();

        using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions?trace=1&api-version=1999-01-01", key.Key, anthropic: false,
            Chat("gpt-4.1-mini", marker)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(await fixture.Simulator.RequestsAsync(marker));
        Assert.Equal("/openai/deployments/mini-prod/chat/completions", received.Path);

        // The configured api-version replaces the caller's; the caller's other parameters go along.
        Assert.Equal("?trace=1&api-version=2025-04-01-preview", received.Query);
        Assert.Equal([SimulatorServer.ProviderKey], received.Headers["api-key"]);
        Assert.False(received.Headers.ContainsKey("authorization"), "Azure's key goes in api-key, and the gateway key never leaves");

        var row = await OnlyRowAsync(key.KeyId);
        Assert.Equal(("completed", "azure", 2), (row.Outcome, row.Upstream, row.Attempts));
        Assert.Equal(row.CostMicros, await SpentAsync(key.KeyId, row.CostMicros));
    }

    [Fact]
    public async Task When_every_deployment_fails_the_caller_gets_the_last_error_in_its_format_and_pays_nothing()
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m);
        var marker = Guid.NewGuid().ToString("N");
        using var http = Http();

        using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions", key.Key, anthropic: false, Chat("gpt-4.1", marker)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(2, (await fixture.Simulator.RequestsAsync(marker)).Count);

        var row = await OnlyRowAsync(key.KeyId);
        Assert.Equal(("upstream_error", 503, "broken", 2, 0L), (row.Outcome, row.HttpStatus, row.Upstream, row.Attempts, row.CostMicros));
        // The row says why the first deployment was left as well as how the last one failed.
        Assert.Equal("upstream returned 503; failed over from busy (answered 429)", row.Error);
        var snapshot = await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId), k => k.GetProperty("reservedMicros").GetInt64() == 0,
            TimeSpan.FromSeconds(10), "the reservation released");
        Assert.Equal(0, snapshot.GetProperty("spentMicros").GetInt64());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_alias_fails_over_from_an_overloaded_Anthropic_account_and_is_recorded_as_its_model(bool stream)
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m, ["claude-haiku-4-5"]);
        var marker = Guid.NewGuid().ToString("N");
        using var http = Http();

        using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/messages", key.Key, anthropic: true, Chat("claude-haiku-latest", marker, stream)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains(stream ? "message_stop" : "\"type\":\"message\"", text, StringComparison.Ordinal);

        // The alias was sent upstream as the model it stands for.
        var received = (await fixture.Simulator.RequestsAsync(marker)).Reverse().ToList();
        Assert.Equal(["/_fault/529/v1/messages", "/v1/messages"], received.Select(r => r.Path));
        Assert.Contains("\"model\":\"claude-haiku-4-5\"", received[1].Body, StringComparison.Ordinal);

        var row = await OnlyRowAsync(key.KeyId);
        Assert.Equal(("completed", "claude-haiku-4-5", "anthropic-2", 2, stream), (row.Outcome, row.Model, row.Upstream, row.Attempts, row.Streaming));
        Assert.True(row.InputTokens > 0 && row.OutputTokens > 0 && row.UsageReported);
    }

    [Fact]
    public async Task Azure_deployments_serve_a_chat_stream_embeddings_and_responses_through_the_official_SDK()
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m);
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.Gateway.BaseUrl + "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
        var marker = Guid.NewGuid().ToString("N");

        // Chat, streamed, through Azure's v1 API: the deployment is named in the body.
        var chat = new ChatClient("gpt-4o", new ApiKeyCredential(key.Key), options);
        var text = "";
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage($"stream {marker}")]))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
        }

        Assert.NotEmpty(text);
        var streamed = Assert.Single(await fixture.Simulator.RequestsAsync(marker));
        Assert.Equal(("/openai/v1/chat/completions", ""), (streamed.Path, streamed.Query));
        Assert.Contains("\"model\":\"gpt4o-v1\"", streamed.Body, StringComparison.Ordinal);

        // Embeddings through a deployment URL.
        var embeddings = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential(key.Key), options);
        var vector = await embeddings.GenerateEmbeddingAsync($"embed {marker}");
        Assert.True(vector.Value.ToFloats().Length > 0);
        var embedded = Assert.Single(await fixture.Simulator.RequestsAsync($"embed {marker}"));
        Assert.Equal(("/openai/deployments/embed-prod/embeddings", "?api-version=2025-04-01-preview"), (embedded.Path, embedded.Query));

        // Responses: Azure's own path, the deployment in the body.
        using var http = Http();
        using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/responses", key.Key, anthropic: false,
            JsonSerializer.Serialize(new { model = "gpt-5-mini", input = $"respond {marker}", max_output_tokens = 50 })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var responded = Assert.Single(await fixture.Simulator.RequestsAsync($"respond {marker}"));
        Assert.Equal(("/openai/responses", "?api-version=2025-04-01-preview"), (responded.Path, responded.Query));
        Assert.Contains("\"model\":\"five-mini\"", responded.Body, StringComparison.Ordinal);

        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count == 3, TimeSpan.FromSeconds(10), "three rows");
        Assert.All(rows, r => Assert.Equal(("completed", 1), (r.Outcome, r.Attempts)));
        Assert.Equal(["azure", "azure", "azure-v1"], rows.Select(r => r.Upstream).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.True(r.UsageReported && r.InputTokens > 0 && r.CostMicros > 0, $"{r.Endpoint} was reported and charged"));
        Assert.Equal(rows.Sum(r => r.CostMicros), await SpentAsync(key.KeyId, rows.Sum(r => r.CostMicros)));
    }

    [Fact]
    public async Task An_upstream_slower_to_answer_than_its_timeout_is_failed_over_and_a_stream_once_started_is_not_cut_by_it()
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m);
        var marker = Guid.NewGuid().ToString("N");
        using var http = Http();

        // Chunks 100 ms apart: the whole stream takes longer than the 300 ms timeout, which bounds only the wait for its headers.
        using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions", key.Key, anthropic: false,
            JsonSerializer.Serialize(new { model = "o4-mini", max_completion_tokens = 400, stream = true,
                messages = new[] { new { role = "user", content = $"{marker} [sim:chunkdelay=100] [sim:tokens=8]" } } })));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("data: [DONE]", text, StringComparison.Ordinal);
        var received = (await fixture.Simulator.RequestsAsync(marker)).Select(r => r.Path).Reverse().ToList();
        Assert.Equal(["/_fault/slow10000/v1/chat/completions", "/v1/chat/completions"], received);

        var row = await OnlyRowAsync(key.KeyId);
        Assert.Equal(("completed", "timed", 2), (row.Outcome, row.Upstream, row.Attempts));
        Assert.True(row.LatencyMs >= 300, $"the stream outlived the timeout ({row.LatencyMs} ms)");
    }

    [Fact]
    public async Task After_repeated_failures_a_deployment_is_out_of_rotation_and_the_next_one_serves_first()
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m);
        using var http = Http();

        // Two failures (its minimum throughput) open the flaky deployment's circuit; from then on the fallback is tried first.
        for (var served = 1; served <= 10; served++)
        {
            using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions", key.Key, anthropic: false,
                Chat("gpt-4.1-nano", Guid.NewGuid().ToString("N"))));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var sent = served;
            var written = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count == sent, TimeSpan.FromSeconds(10), "the request's row");
            if (written.MaxBy(r => r.Sequence)!.Attempts == 1)
            {
                break;
            }
        }

        var rows = (await fixture.Ledger.RowsAsync(key.KeyId)).OrderBy(r => r.Sequence).ToList();
        Assert.True(rows.Count >= 3, $"the circuit opened only after failures ({rows.Count} rows)");
        Assert.All(rows, r => Assert.Equal(("completed", "sim", "gpt-4.1-nano"), (r.Outcome, r.Upstream, r.Model)));
        Assert.Equal(2, rows[0].Attempts);

        // While it is open, the flaky deployment is not called at all.
        var marker = Guid.NewGuid().ToString("N");
        using (var again = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions", key.Key, anthropic: false, Chat("gpt-4.1-nano", marker))))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        // The fallback got the model under its own name for it.
        var received = Assert.Single(await fixture.Simulator.RequestsAsync(marker));
        Assert.Equal("/v1/chat/completions", received.Path);
        Assert.Contains("\"model\":\"gpt-4o-mini\"", received.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_routed_only_to_Anthropic_is_refused_in_OpenAI_format_before_anything_is_reserved()
    {
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m);
        using var http = Http();

        using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/chat/completions", key.Key, anthropic: false, Chat("sim-small", "x")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("model_not_supported", error.GetProperty("code").GetString());
        Assert.Contains("/v1/messages", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var snapshot = await fixture.Admin.GetKeyAsync(key.KeyId);
        Assert.Equal((0L, 0L), (snapshot.GetProperty("spentMicros").GetInt64(), snapshot.GetProperty("reservedMicros").GetInt64()));
    }

    [Fact]
    public async Task Operators_see_upstreams_routes_and_aliases_but_never_a_key_and_callers_see_aliases_as_models()
    {
        using var response = await fixture.Admin.GetAsync("/admin/v1/upstreams");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(SimulatorServer.ProviderKey, text, StringComparison.Ordinal);

        var body = JsonDocument.Parse(text).RootElement;
        var upstreams = body.GetProperty("upstreams").EnumerateArray().ToDictionary(u => u.GetProperty("name").GetString()!);
        Assert.Equal(("AzureOpenAI", "api-key", "2025-04-01-preview", "Closed"), (upstreams["azure"].GetProperty("kind").GetString(),
            upstreams["azure"].GetProperty("auth").GetString(), upstreams["azure"].GetProperty("apiVersion").GetString(), upstreams["azure"].GetProperty("circuit").GetString()));
        Assert.Equal(("OpenAICompatible", "none"), (upstreams["busy"].GetProperty("kind").GetString(), upstreams["busy"].GetProperty("auth").GetString()));
        Assert.Contains("OpenAI", upstreams.Keys);
        Assert.Contains("Anthropic", upstreams.Keys);

        var haiku = body.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("model").GetString() == "claude-haiku-4-5");
        Assert.Equal(["claude-haiku-latest"], haiku.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["anthropic-busy", "anthropic-2"], haiku.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("upstream").GetString()));

        // Callers find the alias in the model list, and can ask for it alone.
        var key = await fixture.Admin.CreateKeyAsync("rita", 1m, ["claude-haiku-4-5"]);
        using var http = Http();
        using var list = await http.SendAsync(ProviderRequest.Create(HttpMethod.Get, "/v1/models", key.Key, anthropic: true));
        var ids = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString());
        Assert.Equal(["claude-haiku-4-5", "claude-haiku-latest"], ids);
        using var one = await http.SendAsync(ProviderRequest.Create(HttpMethod.Get, "/v1/models/claude-haiku-latest", key.Key, anthropic: true));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
    }

    [Fact]
    public async Task Gatewayctl_lists_upstreams_and_routes_without_a_key()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey };

        var exit = await Gateway.Cli.GatewayCtl.RunAsync(["upstreams", "list"], stdout, stderr, environment);

        Assert.True(exit == 0, stderr.ToString());
        var text = stdout.ToString();
        Assert.DoesNotContain(SimulatorServer.ProviderKey, text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^azure\s+AzureOpenAI\s+http://127\.0\.0\.1:\d+\s+api-key\s+2025-04-01-preview\s+-\s+Closed", text);
        Assert.Matches(@"(?m)^claude-haiku-4-5\s+claude-haiku-latest\s+anthropic-busy \(p0, w1\), anthropic-2 \(p1, w1\)", text);
        Assert.Matches(@"(?m)^gpt-4\.1-mini\s+-\s+down \(p0, w1\), azure/mini-prod \(p1, w1\)", text);
    }
}
