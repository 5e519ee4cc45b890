using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

public sealed class ChatCompletionsTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Usage_matches_a_recount_of_prompt_and_answer()
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-4o",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are a terse assistant." },
                new JsonObject { ["role"] = "user", ["name"] = "alice", ["content"] = "What is the capital of France?" },
                new JsonObject { ["role"] = "assistant", ["content"] = "Paris." },
                new JsonObject
                {
                    ["role"] = "user",
                    ["content"] = new JsonArray(
                        new JsonObject { ["type"] = "text", ["text"] = "And of Italy?" },
                        new JsonObject { ["type"] = "text", ["text"] = "Answer in one word." }),
                }),
        };

        using var response = await _client.PostJsonAsync("/v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();

        var expectedPrompt = TestTokens.ChatPrompt(
            ("system", "You are a terse assistant.", null),
            ("user", "What is the capital of France?", "alice"),
            ("assistant", "Paris.", null),
            ("user", "", null)) + TestTokens.Count("And of Italy?") + TestTokens.Count("Answer in one word.");
        var content = json["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        var usage = json["usage"]!;
        Assert.Equal(expectedPrompt, usage["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(TestTokens.Count(content), usage["completion_tokens"]!.GetValue<int>());
        Assert.Equal(32, usage["completion_tokens"]!.GetValue<int>());
        Assert.Equal(expectedPrompt + 32, usage["total_tokens"]!.GetValue<int>());
        Assert.Equal(0, usage["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.Equal(0, usage["completion_tokens_details"]!["reasoning_tokens"]!.GetValue<int>());
        Assert.Equal("stop", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal("assistant", json["choices"]![0]!["message"]!["role"]!.GetValue<string>());
        Assert.Equal("chat.completion", json["object"]!.GetValue<string>());
        Assert.StartsWith("chatcmpl-", json["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("gpt-4o", json["model"]!.GetValue<string>());
        Assert.True(json["created"]!.GetValue<long>() > 1_600_000_000);
    }

    [Fact]
    public async Task The_same_prompt_gets_the_same_answer_and_another_prompt_another()
    {
        async Task<string> AskAsync(string question)
        {
            using var response = await _client.PostJsonAsync(
                "/v1/chat/completions", new JsonObject { ["model"] = "sim-small", ["messages"] = TestTokens.Messages(("user", question)) });
            return (await response.JsonAsync())["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        }

        var first = await AskAsync("Tell me about determinism.");
        Assert.Equal(first, await AskAsync("Tell me about determinism."));
        Assert.NotEqual(first, await AskAsync("Tell me about something else."));
    }

    [Theory]
    [InlineData("max_tokens", 5)]
    [InlineData("max_completion_tokens", 1)]
    [InlineData("max_tokens", 31)]
    public async Task A_token_limit_below_the_answer_cuts_it_with_finish_reason_length(string parameter, int limit)
    {
        var body = new JsonObject { ["model"] = "gpt-4o-mini", ["messages"] = TestTokens.Messages(("user", "Write a long story.")), [parameter] = limit };

        using var response = await _client.PostJsonAsync("/v1/chat/completions", body);
        var json = await response.JsonAsync();

        var content = json["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        Assert.Equal("length", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(limit, json["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(limit, TestTokens.Count(content));
    }

    [Fact]
    public async Task A_limit_above_the_answer_length_finishes_with_stop()
    {
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "Hi [sim:tokens=12]")), ["max_tokens"] = 100 };

        using var response = await _client.PostJsonAsync("/v1/chat/completions", body);
        var json = await response.JsonAsync();

        Assert.Equal("stop", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(12, json["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_tokens_header_wins_over_the_directive_and_the_limit_wins_over_both()
    {
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "Hi [sim:tokens=100]")) };

        using var fromDirective = await _client.PostJsonAsync("/v1/chat/completions", body);
        using var fromHeader = await _client.PostJsonAsync("/v1/chat/completions", body, ("x-sim-tokens", "7"));
        body["max_tokens"] = 3;
        using var capped = await _client.PostJsonAsync("/v1/chat/completions", body, ("x-sim-tokens", "7"));

        Assert.Equal(100, (await fromDirective.JsonAsync())["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(7, (await fromHeader.JsonAsync())["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(3, (await capped.JsonAsync())["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Told_to_ignore_max_tokens_it_answers_and_reports_the_full_length()
    {
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "Hi [sim:tokens=40] [sim:ignore-max-tokens]")), ["max_tokens"] = 5 };

        using var fromDirective = await _client.PostJsonAsync("/v1/chat/completions", body);
        body["messages"] = TestTokens.Messages(("user", "Hi [sim:tokens=40]"));
        using var fromHeader = await _client.PostJsonAsync("/v1/chat/completions", body, ("x-sim-ignore-max-tokens", "1"));
        using var honoured = await _client.PostJsonAsync("/v1/chat/completions", body);

        foreach (var json in new[] { await fromDirective.JsonAsync(), await fromHeader.JsonAsync() })
        {
            Assert.Equal(40, json["usage"]!["completion_tokens"]!.GetValue<int>());
            Assert.Equal(40, TestTokens.Count(json["choices"]![0]!["message"]!["content"]!.GetValue<string>()));
            Assert.Equal("stop", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        }

        Assert.Equal(5, (await honoured.JsonAsync())["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_unknown_model_is_404_model_not_found_in_OpenAI_format()
    {
        using var response = await _client.PostJsonAsync(
            "/v1/chat/completions", new JsonObject { ["model"] = "gpt-9", ["messages"] = TestTokens.Messages(("user", "hi")) });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.JsonAsync())["error"]!;
        Assert.Equal("The model `gpt-9` does not exist or you do not have access to it.", error["message"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("model_not_found", error["code"]!.GetValue<string>());
        Assert.True(error.AsObject().ContainsKey("param"));
        Assert.Null(error["param"]);
    }

    [Theory]
    [InlineData("{\"model\": \"gpt-4o\", \"messages\": [")]
    [InlineData("not json at all")]
    [InlineData("{\"model\": \"gpt-4o\"}")]
    [InlineData("{\"model\": \"gpt-4o\", \"messages\": []}")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": \"ten\"}")]
    public async Task A_malformed_request_is_400_invalid_request_error(string body)
    {
        using var response = await _client.PostRawAsync("/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("invalid_request_error", json["error"]!["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(json["error"]!["message"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData(429, "requests", "rate_limit_exceeded")]
    [InlineData(500, "server_error", null)]
    [InlineData(503, "server_error", null)]
    [InlineData(400, "invalid_request_error", null)]
    public async Task The_error_directive_answers_with_that_status_in_OpenAI_format(int status, string type, string? code)
    {
        using var response = await _client.PostJsonAsync(
            "/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", $"Please fail [sim:error={status}]")) });

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await response.JsonAsync())["error"]!;
        Assert.Equal(type, error["type"]!.GetValue<string>());
        Assert.Equal(code, error["code"]?.GetValue<string>());
        Assert.Equal(status == 429 ? "1" : null, response.Headers.TryGetValues("retry-after", out var values) ? values.Single() : null);
    }

    [Fact]
    public async Task The_error_header_wins_over_the_directive()
    {
        using var response = await _client.PostJsonAsync(
            "/v1/chat/completions",
            new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "Please fail [sim:error=429]")) },
            ("x-sim-error", "502"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task The_latency_header_delays_the_response()
    {
        var stopwatch = Stopwatch.StartNew();
        using var response = await _client.PostJsonAsync(
            "/v1/chat/completions", new JsonObject { ["model"] = "gpt-4o", ["messages"] = TestTokens.Messages(("user", "hi")) }, ("x-sim-latency-ms", "300"));
        stopwatch.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(stopwatch.ElapsedMilliseconds >= 280, $"answered after {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Cached_and_reasoning_tokens_are_reported_inside_prompt_and_completion_tokens()
    {
        var body = new JsonObject { ["model"] = "gpt-4o", ["max_completion_tokens"] = 40, ["messages"] = TestTokens.Messages(("user", "Think first.")) };
        var prompt = TestTokens.ChatPrompt(("user", "Think first.", null));

        using var response = await _client.PostJsonAsync("/v1/chat/completions", body, ("x-sim-cached-tokens", "5"), ("x-sim-reasoning-tokens", "12"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        var usage = json["usage"]!;
        var content = json["choices"]![0]!["message"]!["content"]!.GetValue<string>();

        // 12 of reasoning, then the answer in the 28 tokens left of the 40: cut there.
        Assert.Equal((prompt, 5), (usage["prompt_tokens"]!.GetValue<int>(), usage["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>()));
        Assert.Equal((40, 12, 28), (usage["completion_tokens"]!.GetValue<int>(), usage["completion_tokens_details"]!["reasoning_tokens"]!.GetValue<int>(), TestTokens.Count(content)));
        Assert.Equal("length", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }
}
