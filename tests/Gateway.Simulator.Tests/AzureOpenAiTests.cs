using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <summary>Azure OpenAI's URL shapes and its api-key, served by the same endpoints as OpenAI's.</summary>
public sealed class AzureOpenAiTests : IAsyncLifetime
{
    private const string ProviderKey = "azure-provider-key";
    private const string Version = "2024-10-21";
    private RunningSimulator _simulator = null!;

    public async Task InitializeAsync() => _simulator = await RunningSimulator.StartAsync(o => o.ApiKey = ProviderKey);

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(string path, JsonObject body, params (string, string)[] headers) =>
        _simulator.Client.PostJsonAsync(path, body, headers.Length > 0 ? headers : [("api-key", ProviderKey)]);

    private async Task<JsonNode> RecordedAsync(string marker)
    {
        using var response = await _simulator.Client.GetAsync($"/sim/requests?contains={marker}");
        return Assert.Single((await response.JsonAsync()).AsArray())!;
    }

    [Fact]
    public async Task A_deployment_url_answers_chat_under_the_deployment_name_without_a_body_model()
    {
        using var response = await PostAsync(
            $"/openai/deployments/prod.gpt_4o-eu/chat/completions?api-version={Version}",
            new JsonObject { ["messages"] = TestTokens.Messages(("user", "azure-chat-marker")) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("prod.gpt_4o-eu", json["model"]!.GetValue<string>());
        var content = json["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        Assert.Equal(TestTokens.Count(content), json["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(TestTokens.ChatPrompt(("user", "azure-chat-marker", null)), json["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.True(response.Headers.Contains("apim-request-id"));

        var recorded = await RecordedAsync("azure-chat-marker");
        Assert.Equal("prod.gpt_4o-eu", recorded["deployment"]!.GetValue<string>());
        Assert.Equal(Version, recorded["apiVersion"]!.GetValue<string>());
        Assert.Equal("api-key", recorded["auth"]!.GetValue<string>());
        Assert.True(recorded["authorized"]!.GetValue<bool>());
        Assert.DoesNotContain(ProviderKey, recorded["auth"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_deployment_wins_over_a_body_model_and_a_known_model_name_answers_as_that_model()
    {
        using var response = await PostAsync(
            $"/openai/deployments/gpt-4o-mini/chat/completions?api-version={Version}",
            new JsonObject { ["model"] = "something-else", ["messages"] = TestTokens.Messages(("user", "hi")) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt-4o-mini", (await response.JsonAsync())["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_deployment_streams_like_OpenAI_with_usage()
    {
        using var response = await PostAsync(
            $"/openai/deployments/chat-east/chat/completions?api-version={Version}",
            new JsonObject
            {
                ["stream"] = true,
                ["stream_options"] = new JsonObject { ["include_usage"] = true },
                ["messages"] = TestTokens.Messages(("user", "stream me")),
            });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await SseResult.ReadAsync(response);
        Assert.Null(sse.Failure);
        Assert.True(sse.HasDone);
        Assert.All(sse.Json, chunk => Assert.Equal("chat-east", chunk["model"]!.GetValue<string>()));
        var text = string.Concat(sse.Json.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["delta"]!["content"]?.GetValue<string>()));
        Assert.Equal(TestTokens.Count(text), sse.Json[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Deployments_serve_completions_and_embeddings()
    {
        using var completion = await PostAsync(
            $"/openai/deployments/instruct/completions?api-version={Version}", new JsonObject { ["prompt"] = "Say this", ["max_tokens"] = 5 });
        using var embedding = await PostAsync(
            $"/openai/deployments/embed-small/embeddings?api-version={Version}", new JsonObject { ["input"] = "embed me", ["dimensions"] = 8 });

        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        var text = await completion.JsonAsync();
        Assert.Equal("instruct", text["model"]!.GetValue<string>());
        Assert.Equal(5, text["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, embedding.StatusCode);
        var vectors = await embedding.JsonAsync();
        Assert.Equal("embed-small", vectors["model"]!.GetValue<string>());
        Assert.Equal(8, vectors["data"]![0]!["embedding"]!.AsArray().Count);
        Assert.Equal(TestTokens.Count("embed me"), vectors["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_responses_and_v1_urls_take_the_deployment_from_the_body_model()
    {
        using var responses = await PostAsync("/openai/responses?api-version=2025-04-01-preview", new JsonObject { ["model"] = "resp-deploy", ["input"] = "azure-responses-marker" });
        using var v1Chat = await PostAsync("/openai/v1/chat/completions", new JsonObject { ["model"] = "v1-deploy", ["messages"] = TestTokens.Messages(("user", "azure-v1-marker")) });
        using var v1Responses = await PostAsync("/openai/v1/responses", new JsonObject { ["model"] = "gpt-4.1", ["input"] = "hello" });
        using var v1Embeddings = await PostAsync("/openai/v1/embeddings", new JsonObject { ["model"] = "embed-v1", ["input"] = "hello" });

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            new[] { responses.StatusCode, v1Chat.StatusCode, v1Responses.StatusCode, v1Embeddings.StatusCode });
        var response = await responses.JsonAsync();
        Assert.Equal("resp-deploy", response["model"]!.GetValue<string>());
        Assert.Equal("completed", response["status"]!.GetValue<string>());
        Assert.Equal("v1-deploy", (await v1Chat.JsonAsync())["model"]!.GetValue<string>());
        Assert.Equal("gpt-4.1", (await v1Responses.JsonAsync())["model"]!.GetValue<string>());
        Assert.Equal("embed-v1", (await v1Embeddings.JsonAsync())["model"]!.GetValue<string>());

        var recordedResponses = await RecordedAsync("azure-responses-marker");
        Assert.Equal("resp-deploy", recordedResponses["deployment"]!.GetValue<string>());
        Assert.Equal("2025-04-01-preview", recordedResponses["apiVersion"]!.GetValue<string>());
        var recordedV1 = await RecordedAsync("azure-v1-marker");
        Assert.Equal("v1-deploy", recordedV1["deployment"]!.GetValue<string>());
        Assert.Null(recordedV1["apiVersion"]);
    }

    [Fact]
    public async Task A_classic_url_without_api_version_is_Azures_404_and_reaches_no_endpoint()
    {
        using var before = await _simulator.Client.GetAsync("/sim/stats");
        var chatsBefore = (await before.JsonAsync())["chatCompletions"]!.GetValue<long>();

        using var deployment = await PostAsync("/openai/deployments/d1/chat/completions", new JsonObject { ["messages"] = TestTokens.Messages(("user", "hi")) });
        using var responses = await PostAsync("/openai/responses", new JsonObject { ["model"] = "d1", ["input"] = "hi" });

        foreach (var response in new[] { deployment, responses })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = (await response.JsonAsync())["error"]!;
            Assert.Equal("404", error["code"]!.GetValue<string>());
            Assert.Equal("Resource not found", error["message"]!.GetValue<string>());
            Assert.Null(error["type"]);
        }

        using var after = await _simulator.Client.GetAsync("/sim/stats");
        Assert.Equal(chatsBefore, (await after.JsonAsync())["chatCompletions"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_wrong_or_missing_key_is_Azures_401_and_OpenAIs_bearer_key_does_not_count_on_Azure()
    {
        var body = new JsonObject { ["messages"] = TestTokens.Messages(("user", "hi")) };
        var path = $"/openai/deployments/d1/chat/completions?api-version={Version}";
        using var wrong = await PostAsync(path, body, ("api-key", "not-the-key"));
        using var missing = await _simulator.Client.PostJsonAsync(path, body);
        using var bearerKey = await PostAsync(path, body, ("Authorization", $"Bearer {ProviderKey}"));

        foreach (var response in new[] { wrong, missing })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var error = (await response.JsonAsync())["error"]!;
            Assert.Equal("401", error["code"]!.GetValue<string>());
            Assert.StartsWith("Access denied due to invalid subscription key or wrong API endpoint.", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // A key is no token: Azure answers a Bearer it did not issue with its token message.
        Assert.Equal(HttpStatusCode.Unauthorized, bearerKey.StatusCode);
        Assert.StartsWith("Unauthorized. Access token is missing, invalid", (await bearerKey.JsonAsync())["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        using var last = await _simulator.Client.GetAsync("/sim/requests/last");
        var recorded = await last.JsonAsync();
        Assert.Equal("bearer", recorded["auth"]!.GetValue<string>());
        Assert.False(recorded["authorized"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Validation_errors_keep_OpenAIs_shape_and_scripted_rate_limits_take_Azures()
    {
        var path = $"/openai/deployments/d1/chat/completions?api-version={Version}";
        using var invalid = await PostAsync(path, new JsonObject { ["n"] = 1 });
        using var limited = await PostAsync(path, new JsonObject { ["messages"] = TestTokens.Messages(("user", "[sim:error=429]")) });
        using var failed = await PostAsync(path, new JsonObject { ["messages"] = TestTokens.Messages(("user", "hi")) }, ("api-key", ProviderKey), ("x-sim-error", "500"));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("invalid_request_error", (await invalid.JsonAsync())["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("1", limited.Headers.RetryAfter!.ToString());
        Assert.Equal("429", (await limited.JsonAsync())["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("server_error", (await failed.JsonAsync())["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_deployment_name_outside_Azures_characters_is_not_a_route()
    {
        using var response = await PostAsync($"/openai/deployments/bad%20name/chat/completions?api-version={Version}", new JsonObject { ["messages"] = TestTokens.Messages(("user", "hi")) });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("404", (await response.JsonAsync())["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Azure_requests_are_counted_and_fingerprinted_by_their_api_key()
    {
        using var reset = await _simulator.Client.PostAsync("/sim/stats/reset", content: null);
        using var chat = await PostAsync($"/openai/deployments/d1/chat/completions?api-version={Version}", new JsonObject { ["messages"] = TestTokens.Messages(("user", "hi")) });
        using var openAi = await _simulator.Client.PostJsonAsync("/v1/chat/completions",
            new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "hi")) }, ("Authorization", $"Bearer {ProviderKey}"));

        using var response = await _simulator.Client.GetAsync("/sim/stats");
        var stats = await response.JsonAsync();
        Assert.Equal(2, stats["requests"]!.GetValue<long>());
        Assert.Equal(1, stats["azure"]!.GetValue<long>());
        Assert.Equal(2, stats["chatCompletions"]!.GetValue<long>());
        // Worked out apart from the simulator: printf %s azure-provider-key | sha256sum | cut -c1-8.
        Assert.Equal(2, stats["requestsByCredential"]!["0fefc9a5"]!.GetValue<long>());
    }
}
