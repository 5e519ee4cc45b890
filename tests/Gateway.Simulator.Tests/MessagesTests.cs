using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

public sealed class MessagesTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static JsonObject Body(string prompt, int? maxTokens = 256, string? system = "You are helpful.", bool stream = false)
    {
        var body = new JsonObject { ["model"] = "claude-sonnet-4-5", ["messages"] = TestTokens.Messages(("user", prompt)) };
        if (maxTokens is { } max)
        {
            body["max_tokens"] = max;
        }

        if (system is not null)
        {
            body["system"] = system;
        }

        if (stream)
        {
            body["stream"] = true;
        }

        return body;
    }

    private static int ExpectedInput(string prompt, string? system = "You are helpful.") =>
        TestTokens.ChatPrompt(system is null ? [("user", prompt, null)] : [("system", system, null), ("user", prompt, null)]);

    [Fact]
    public async Task Non_streaming_usage_matches_a_recount()
    {
        using var response = await _client.PostJsonAsync("/v1/messages", Body("Hello, Claude"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.StartsWith("msg_", json["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("message", json["type"]!.GetValue<string>());
        Assert.Equal("assistant", json["role"]!.GetValue<string>());
        Assert.Equal("claude-sonnet-4-5", json["model"]!.GetValue<string>());
        Assert.Equal("end_turn", json["stop_reason"]!.GetValue<string>());
        Assert.True(json.AsObject().ContainsKey("stop_sequence"));
        Assert.Null(json["stop_sequence"]);

        var block = Assert.Single(json["content"]!.AsArray())!;
        Assert.Equal("text", block["type"]!.GetValue<string>());
        var text = block["text"]!.GetValue<string>();
        var usage = json["usage"]!;
        Assert.Equal(ExpectedInput("Hello, Claude"), usage["input_tokens"]!.GetValue<int>());
        Assert.Equal(TestTokens.Count(text), usage["output_tokens"]!.GetValue<int>());
        Assert.Equal(32, usage["output_tokens"]!.GetValue<int>());
        Assert.Equal(0, usage["cache_creation_input_tokens"]!.GetValue<int>());
        Assert.Equal(0, usage["cache_read_input_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task System_and_content_as_blocks_count_like_the_same_text_as_strings()
    {
        var blocks = new JsonObject
        {
            ["model"] = "claude-haiku-4-5",
            ["max_tokens"] = 64,
            ["system"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "You are helpful." }),
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Hello, Claude" }),
            }),
        };

        using var response = await _client.PostJsonAsync("/v1/messages", blocks);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ExpectedInput("Hello, Claude"), (await response.JsonAsync())["usage"]!["input_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Max_tokens_below_the_answer_stops_with_max_tokens()
    {
        using var response = await _client.PostJsonAsync("/v1/messages", Body("Tell me everything.", maxTokens: 6));
        var json = await response.JsonAsync();

        Assert.Equal("max_tokens", json["stop_reason"]!.GetValue<string>());
        Assert.Equal(6, json["usage"]!["output_tokens"]!.GetValue<int>());
        Assert.Equal(6, TestTokens.Count(json["content"]![0]!["text"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Streaming_sends_the_documented_events_with_usage_at_start_and_end()
    {
        using var response = await _client.PostJsonAsync("/v1/messages", Body("Stream it [sim:tokens=20]", stream: true));
        var stream = await SseResult.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(stream.Failure);
        var names = stream.Events.Select(e => e.Event).ToArray();
        var deltas = names.Count(n => n == "content_block_delta");
        Assert.True(deltas >= 2, "expected the answer in several deltas");
        string?[] expected =
        [
            "message_start", "content_block_start", "ping", .. Enumerable.Repeat("content_block_delta", deltas),
            "content_block_stop", "message_delta", "message_stop",
        ];
        Assert.Equal(expected, names);
        Assert.All(stream.Events, e => Assert.Equal(e.Event, JsonNode.Parse(e.Data)!["type"]!.GetValue<string>()));

        var json = stream.Json;
        var start = json[0]["message"]!;
        Assert.Equal(ExpectedInput("Stream it [sim:tokens=20]"), start["usage"]!["input_tokens"]!.GetValue<int>());
        Assert.Equal(1, start["usage"]!["output_tokens"]!.GetValue<int>());
        Assert.Empty(start["content"]!.AsArray());
        Assert.Null(start["stop_reason"]);

        var text = string.Concat(json.Where(j => j["type"]!.GetValue<string>() == "content_block_delta")
            .Select(j => j["delta"]!["text"]!.GetValue<string>()));
        Assert.All(json.Where(j => j["type"]!.GetValue<string>() == "content_block_delta"), j => Assert.Equal("text_delta", j["delta"]!["type"]!.GetValue<string>()));
        var messageDelta = json[^2];
        Assert.Equal("end_turn", messageDelta["delta"]!["stop_reason"]!.GetValue<string>());
        Assert.Null(messageDelta["delta"]!["stop_sequence"]);
        Assert.Equal(TestTokens.Count(text), messageDelta["usage"]!["output_tokens"]!.GetValue<int>());
        Assert.Equal(20, messageDelta["usage"]!["output_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Missing_max_tokens_is_400_in_Anthropic_format()
    {
        using var response = await _client.PostJsonAsync("/v1/messages", Body("hi", maxTokens: null));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("error", json["type"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", json["error"]!["type"]!.GetValue<string>());
        Assert.Contains("max_tokens", json["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_model_is_404_not_found_error()
    {
        var body = Body("hi");
        body["model"] = "claude-9";

        using var response = await _client.PostJsonAsync("/v1/messages", body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("error", json["type"]!.GetValue<string>());
        Assert.Equal("not_found_error", json["error"]!["type"]!.GetValue<string>());
        Assert.Contains("claude-9", json["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 10, \"messages\": [{")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 10}")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 10, \"system\": 5, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")]
    public async Task A_malformed_request_is_400_in_Anthropic_format(string body)
    {
        using var response = await _client.PostRawAsync("/v1/messages", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("error", json["type"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", json["error"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(503, "overloaded_error")]
    [InlineData(529, "overloaded_error")]
    [InlineData(400, "invalid_request_error")]
    public async Task The_error_directive_answers_in_Anthropic_format(int status, string type)
    {
        using var response = await _client.PostJsonAsync("/v1/messages", Body($"Fail please [sim:error={status}]"));

        Assert.Equal(status, (int)response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("error", json["type"]!.GetValue<string>());
        Assert.Equal(type, json["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cut_after_breaks_the_stream_after_that_many_deltas()
    {
        using var response = await _client.PostJsonAsync("/v1/messages", Body("Cut [sim:cut=3]", stream: true));
        var stream = await SseResult.ReadAsync(response);

        Assert.NotNull(stream.Failure);
        Assert.Equal(3, stream.Events.Count(e => e.Event == "content_block_delta"));
        Assert.DoesNotContain(stream.Events, e => e.Event is "message_delta" or "message_stop");
    }

    [Fact]
    public async Task Count_tokens_equals_the_input_tokens_of_the_same_request()
    {
        var body = Body("How many tokens is this?");
        body.Remove("max_tokens");

        using var response = await _client.PostJsonAsync("/v1/messages/count_tokens", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ExpectedInput("How many tokens is this?"), (await response.JsonAsync())["input_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Cache_reads_and_writes_are_taken_out_of_input_tokens_and_reported_by_ttl()
    {
        (string, string)[] cache = [("x-sim-cached-tokens", "6"), ("x-sim-cache-write-5m", "4"), ("x-sim-cache-write-1h", "2")];
        var prompt = ExpectedInput("Hello, Claude");

        using var response = await _client.PostJsonAsync("/v1/messages", Body("Hello, Claude"), cache);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = (await response.JsonAsync())["usage"]!;
        Assert.Equal(prompt - 12, usage["input_tokens"]!.GetValue<int>());
        Assert.Equal(6, usage["cache_read_input_tokens"]!.GetValue<int>());
        Assert.Equal(6, usage["cache_creation_input_tokens"]!.GetValue<int>());
        Assert.Equal(4, usage["cache_creation"]!["ephemeral_5m_input_tokens"]!.GetValue<int>());
        Assert.Equal(2, usage["cache_creation"]!["ephemeral_1h_input_tokens"]!.GetValue<int>());

        // Streamed: the same counts at message_start (with the breakdown) and again, cumulative, in message_delta.
        using var streamed = await _client.PostJsonAsync("/v1/messages", Body("Hello, Claude", stream: true), cache);
        var json = (await SseResult.ReadAsync(streamed)).Json;
        var start = json[0]["message"]!["usage"]!;
        Assert.Equal((prompt - 12, 6, 6, 4, 2),
            (start["input_tokens"]!.GetValue<int>(), start["cache_read_input_tokens"]!.GetValue<int>(), start["cache_creation_input_tokens"]!.GetValue<int>(),
                start["cache_creation"]!["ephemeral_5m_input_tokens"]!.GetValue<int>(), start["cache_creation"]!["ephemeral_1h_input_tokens"]!.GetValue<int>()));
        var end = json[^2]["usage"]!;
        Assert.Equal((prompt - 12, 6, 6, 32),
            (end["input_tokens"]!.GetValue<int>(), end["cache_read_input_tokens"]!.GetValue<int>(), end["cache_creation_input_tokens"]!.GetValue<int>(), end["output_tokens"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Cache_directives_ask_for_no_more_than_the_prompt()
    {
        // Reads first, then 5-minute writes, then 1-hour writes, each at most what is left.
        const string Prompt = "Cache it all [sim:cached=2] [sim:cache-write-1h=100000]";
        var prompt = ExpectedInput(Prompt);

        using var response = await _client.PostJsonAsync("/v1/messages", Body(Prompt));

        var usage = (await response.JsonAsync())["usage"]!;
        Assert.Equal((0, 2, prompt - 2, 0, prompt - 2),
            (usage["input_tokens"]!.GetValue<int>(), usage["cache_read_input_tokens"]!.GetValue<int>(), usage["cache_creation_input_tokens"]!.GetValue<int>(),
                usage["cache_creation"]!["ephemeral_5m_input_tokens"]!.GetValue<int>(), usage["cache_creation"]!["ephemeral_1h_input_tokens"]!.GetValue<int>()));
    }
}
