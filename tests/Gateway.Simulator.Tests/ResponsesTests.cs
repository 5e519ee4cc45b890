using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <summary>POST /v1/responses over raw HTTP: the shapes and the event order of OpenAI's Responses API.</summary>
public sealed class ResponsesTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static readonly JsonArray WeatherTool =
    [
        new JsonObject
        {
            ["type"] = "function",
            ["name"] = "get_weather",
            ["description"] = "The weather in a city.",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["city"] = new JsonObject { ["type"] = "string" },
                    ["unit"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("celsius", "fahrenheit") },
                },
                ["required"] = new JsonArray("city", "unit"),
            },
        },
    ];

    /// <summary>The chat formula written out again: 3 to prime, 3 + role + text per message, instructions as a system message.</summary>
    private static int InputTokens(string? instructions, params (string Role, string Text)[] messages) =>
        3 + (instructions is null ? 0 : 3 + TestTokens.Count("system") + TestTokens.Count(instructions))
        + messages.Sum(m => 3 + TestTokens.Count(m.Role) + TestTokens.Count(m.Text));

    [Fact]
    public async Task Streamed_response_sends_the_events_in_the_spec_order_and_its_usage_last()
    {
        const string instructions = "Answer briefly.";
        const string prompt = "Stream a response, please.";
        var body = new JsonObject { ["model"] = "gpt-4o", ["stream"] = true, ["instructions"] = instructions, ["input"] = prompt };

        using var response = await _client.PostJsonAsync("/v1/responses", body, ("x-sim-cached-tokens", "4"));
        var stream = await SseResult.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(stream.Failure);
        Assert.False(stream.HasDone, "the Responses API ends its stream with response.completed, not [DONE]");
        var events = stream.Json;
        var types = events.Select(e => e["type"]!.GetValue<string>()).ToArray();

        // Every event names its type on the event: line too, and they are numbered from 0 without gaps.
        Assert.Equal(types, stream.Events.Select(e => e.Event).ToArray());
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e["sequence_number"]!.GetValue<int>()));

        var deltas = types.Count(t => t == "response.output_text.delta");
        Assert.True(deltas >= 3, $"expected the text in several deltas, got {deltas}");
        string[] expected =
        [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            .. Enumerable.Repeat("response.output_text.delta", deltas),
            "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
        ];
        Assert.Equal(expected, types);

        var created = events[0]["response"]!;
        Assert.Equal("in_progress", created["status"]!.GetValue<string>());
        Assert.Null(created["usage"]);
        Assert.Empty(created["output"]!.AsArray());

        var added = events[2]["item"]!;
        Assert.Equal(("message", "in_progress", "assistant"), (added["type"]!.GetValue<string>(), added["status"]!.GetValue<string>(), added["role"]!.GetValue<string>()));
        var itemId = added["id"]!.GetValue<string>();
        Assert.StartsWith("msg_", itemId, StringComparison.Ordinal);
        Assert.All(events.Where(e => e["item_id"] is not null), e => Assert.Equal(itemId, e["item_id"]!.GetValue<string>()));

        var text = string.Concat(events.Where(e => e["type"]!.GetValue<string>() == "response.output_text.delta").Select(e => e["delta"]!.GetValue<string>()));
        Assert.Equal(text, events.Single(e => e["type"]!.GetValue<string>() == "response.output_text.done")["text"]!.GetValue<string>());

        var completed = events[^1]["response"]!;
        Assert.Equal(created["id"]!.GetValue<string>(), completed["id"]!.GetValue<string>());
        Assert.StartsWith("resp_", completed["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(("response", "completed"), (completed["object"]!.GetValue<string>(), completed["status"]!.GetValue<string>()));
        var part = completed["output"]![0]!["content"]![0]!;
        Assert.Equal(("output_text", text), (part["type"]!.GetValue<string>(), part["text"]!.GetValue<string>()));
        Assert.Empty(part["annotations"]!.AsArray());

        var usage = completed["usage"]!;
        var input = InputTokens(instructions, ("user", prompt));
        Assert.Equal(input, usage["input_tokens"]!.GetValue<int>());
        Assert.Equal(4, usage["input_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.Equal(32, usage["output_tokens"]!.GetValue<int>());
        Assert.Equal(32, TestTokens.Count(text));
        Assert.Equal(0, usage["output_tokens_details"]!["reasoning_tokens"]!.GetValue<int>());
        Assert.Equal(input + 32, usage["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Max_output_tokens_makes_the_response_incomplete_and_reasoning_counts_against_it()
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-4o",
            ["max_output_tokens"] = 20,
            ["input"] = new JsonArray(new JsonObject
            {
                ["type"] = "message",
                ["role"] = "user",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = "Think first. [sim:reasoning=12]" }),
            }),
        };

        using var response = await _client.PostJsonAsync("/v1/responses", body);
        var json = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("incomplete", json["status"]!.GetValue<string>());
        Assert.Equal("max_output_tokens", json["incomplete_details"]!["reason"]!.GetValue<string>());
        var output = json["output"]!.AsArray();
        Assert.Equal(["reasoning", "message"], output.Select(o => o!["type"]!.GetValue<string>()));
        Assert.Equal("incomplete", output[1]!["status"]!.GetValue<string>());

        // 12 reasoning tokens leave 8 of the 20 for the text, and all 20 are output tokens.
        var usage = json["usage"]!;
        Assert.Equal(20, usage["output_tokens"]!.GetValue<int>());
        Assert.Equal(12, usage["output_tokens_details"]!["reasoning_tokens"]!.GetValue<int>());
        Assert.Equal(8, TestTokens.Count(output[1]!["content"]![0]!["text"]!.GetValue<string>()));
        Assert.Equal(InputTokens(null, ("user", "Think first. [sim:reasoning=12]")), usage["input_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Streamed_function_call_sends_its_arguments_as_deltas_and_is_answered_with_text_once_its_output_comes_back()
    {
        const string prompt = "What is the weather in Paris? [sim:tool=get_weather]";
        var first = new JsonObject { ["model"] = "gpt-4o", ["stream"] = true, ["input"] = prompt, ["tools"] = WeatherTool.DeepClone() };

        using var response = await _client.PostJsonAsync("/v1/responses", first);
        var stream = await SseResult.ReadAsync(response);

        Assert.Null(stream.Failure);
        var events = stream.Json;
        var types = events.Select(e => e["type"]!.GetValue<string>()).ToArray();
        var deltas = types.Count(t => t == "response.function_call_arguments.delta");
        Assert.True(deltas >= 2, $"expected the arguments in several deltas, got {deltas}");
        string[] expected =
        [
            "response.created", "response.in_progress", "response.output_item.added",
            .. Enumerable.Repeat("response.function_call_arguments.delta", deltas),
            "response.function_call_arguments.done", "response.output_item.done", "response.completed",
        ];
        Assert.Equal(expected, types);

        var call = events[^1]["response"]!["output"]!.AsArray().Single()!;
        Assert.Equal(("function_call", "get_weather", "completed"), (call["type"]!.GetValue<string>(), call["name"]!.GetValue<string>(), call["status"]!.GetValue<string>()));
        var arguments = call["arguments"]!.GetValue<string>();
        Assert.Equal(arguments, string.Concat(events.Where(e => e["type"]!.GetValue<string>() == "response.function_call_arguments.delta").Select(e => e["delta"]!.GetValue<string>())));
        using (var parsed = JsonDocument.Parse(arguments))
        {
            Assert.Equal(JsonValueKind.String, parsed.RootElement.GetProperty("city").ValueKind);
            Assert.Equal("celsius", parsed.RootElement.GetProperty("unit").GetString());
        }

        var usage = events[^1]["response"]!["usage"]!;
        Assert.Equal(TestTokens.Count(arguments), usage["output_tokens"]!.GetValue<int>());
        Assert.Equal(InputTokens(null, ("user", prompt)) + TestTokens.Count(WeatherTool.ToJsonString()), usage["input_tokens"]!.GetValue<int>());

        // The call's output comes back: the same directive is still in the user's message, but the turn is the function's.
        var callId = call["call_id"]!.GetValue<string>();
        Assert.StartsWith("call_", callId, StringComparison.Ordinal);
        var second = new JsonObject
        {
            ["model"] = "gpt-4o",
            ["tools"] = WeatherTool.DeepClone(),
            ["input"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = prompt },
                new JsonObject { ["type"] = "function_call", ["call_id"] = callId, ["name"] = "get_weather", ["arguments"] = arguments },
                new JsonObject { ["type"] = "function_call_output", ["call_id"] = callId, ["output"] = "18 degrees, clear." }),
        };
        using var answer = await _client.PostJsonAsync("/v1/responses", second);
        var json = await answer.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("message", json["output"]!.AsArray().Single()!["type"]!.GetValue<string>());
        var expectedInput = 3 + (3 + TestTokens.Count("user") + TestTokens.Count(prompt))
            + (3 + TestTokens.Count("get_weather") + TestTokens.Count(arguments))
            + (3 + TestTokens.Count("18 degrees, clear."))
            + TestTokens.Count(WeatherTool.ToJsonString());
        Assert.Equal(expectedInput, json["usage"]!["input_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_call_of_a_function_the_request_does_not_offer_is_a_400_in_openai_format()
    {
        var body = new JsonObject { ["model"] = "gpt-4o", ["input"] = "Call it. [sim:tool=launch_rockets]", ["tools"] = WeatherTool.DeepClone() };

        using var response = await _client.PostJsonAsync("/v1/responses", body);
        var error = (await response.JsonAsync())["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("invalid_request_error", "tools"), (error["type"]!.GetValue<string>(), error["param"]!.GetValue<string>()));
        Assert.Contains("launch_rockets", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o"}""", 400, "input")]
    [InlineData("""{"model":"gpt-4o","input":"x","max_output_tokens":5}""", 400, "max_output_tokens")]
    [InlineData("""{"model":"gpt-4o","input":"x","previous_response_id":"resp_123"}""", 404, "previous_response_id")]
    [InlineData("""{"model":"no-such-model","input":"x"}""", 404, null)]
    public async Task Invalid_requests_are_refused_as_the_api_refuses_them(string body, int status, string? param)
    {
        using var response = await _client.PostRawAsync("/v1/responses", body);
        var error = (await response.JsonAsync())["error"]!;

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Cut_stream_ends_before_its_final_event_and_is_counted()
    {
        var cutBefore = (await StatsAsync())["cut"]!.GetValue<long>();
        var body = new JsonObject { ["model"] = "gpt-4o", ["stream"] = true, ["input"] = "Cut me short." };

        using var response = await _client.PostJsonAsync("/v1/responses", body, ("x-sim-cut-after", "2"));
        var stream = await SseResult.ReadAsync(response);

        Assert.NotNull(stream.Failure);
        var types = stream.Json.Select(e => e["type"]!.GetValue<string>()).ToArray();
        Assert.Equal(2, types.Count(t => t == "response.output_text.delta"));
        Assert.DoesNotContain("response.completed", types);
        Assert.Equal(cutBefore + 1, (await StatsAsync())["cut"]!.GetValue<long>());
    }

    [Fact]
    public async Task Responses_are_counted_in_the_stats()
    {
        var before = (await StatsAsync())["responses"]!.GetValue<long>();

        using var response = await _client.PostJsonAsync("/v1/responses", new JsonObject { ["model"] = "gpt-4o", ["input"] = "Count me." });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before + 1, (await StatsAsync())["responses"]!.GetValue<long>());
    }

    private async Task<JsonNode> StatsAsync()
    {
        using var response = await _client.GetAsync("/sim/stats");
        return await response.JsonAsync();
    }
}
