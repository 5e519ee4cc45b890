using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

public sealed class ChatStreamingTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static JsonObject StreamBody(string prompt, bool? includeUsage = null)
    {
        var body = new JsonObject { ["model"] = "gpt-4o", ["stream"] = true, ["messages"] = TestTokens.Messages(("user", prompt)) };
        if (includeUsage is { } include)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = include };
        }

        return body;
    }

    private static string Deltas(IEnumerable<JsonNode> chunks) =>
        string.Concat(chunks.Select(c => c["choices"]!.AsArray().FirstOrDefault()?["delta"]?["content"]?.GetValue<string>()));

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task Without_include_usage_no_chunk_carries_usage(bool? includeUsage)
    {
        using var response = await _client.PostJsonAsync("/v1/chat/completions", StreamBody("Stream me something.", includeUsage));
        var stream = await SseResult.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(stream.Failure);
        Assert.Equal("[DONE]", stream.Events[^1].Data);
        var chunks = stream.Json;
        Assert.All(chunks, c => Assert.False(c.AsObject().ContainsKey("usage")));
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c["object"]!.GetValue<string>()));
        Assert.Single(chunks.Select(c => c["id"]!.GetValue<string>()).Distinct());

        var first = chunks[0]["choices"]![0]!["delta"]!;
        Assert.Equal("assistant", first["role"]!.GetValue<string>());
        Assert.Equal(string.Empty, first["content"]!.GetValue<string>());

        var last = chunks[^1]["choices"]![0]!;
        Assert.Equal("stop", last["finish_reason"]!.GetValue<string>());
        Assert.Empty(last["delta"]!.AsObject());
        Assert.True(chunks.Count >= 4, "expected the answer to arrive in several chunks");
        Assert.Equal(32, TestTokens.Count(Deltas(chunks)));
    }

    [Fact]
    public async Task With_include_usage_the_last_chunk_reports_the_tokens_of_the_deltas()
    {
        using var response = await _client.PostJsonAsync("/v1/chat/completions", StreamBody("Count my tokens please.", includeUsage: true));
        var stream = await SseResult.ReadAsync(response);

        Assert.Null(stream.Failure);
        Assert.Equal("[DONE]", stream.Events[^1].Data);
        var chunks = stream.Json;
        var usageChunk = chunks[^1];
        Assert.Empty(usageChunk["choices"]!.AsArray());
        var usage = usageChunk["usage"]!;
        Assert.Equal(TestTokens.Count(Deltas(chunks)), usage["completion_tokens"]!.GetValue<int>());
        Assert.Equal(TestTokens.ChatPrompt(("user", "Count my tokens please.", null)), usage["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(usage["prompt_tokens"]!.GetValue<int>() + usage["completion_tokens"]!.GetValue<int>(), usage["total_tokens"]!.GetValue<int>());

        // OpenAI writes an explicit null on every chunk before the usage chunk.
        Assert.All(chunks.Take(chunks.Count - 1), c =>
        {
            Assert.True(c.AsObject().ContainsKey("usage"));
            Assert.Null(c["usage"]);
        });
        Assert.Equal("stop", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Streamed_and_non_streamed_answers_are_the_same_text()
    {
        using var streamed = await _client.PostJsonAsync("/v1/chat/completions", StreamBody("Same answer either way?"));
        var body = StreamBody("Same answer either way?");
        body["stream"] = false;
        using var whole = await _client.PostJsonAsync("/v1/chat/completions", body);

        var text = Deltas((await SseResult.ReadAsync(streamed)).Json);
        Assert.Equal((await whole.JsonAsync())["choices"]![0]!["message"]!["content"]!.GetValue<string>(), text);
    }

    [Fact]
    public async Task Max_tokens_cuts_a_stream_with_finish_reason_length()
    {
        var body = StreamBody("Go on and on.", includeUsage: true);
        body["max_tokens"] = 4;

        using var response = await _client.PostJsonAsync("/v1/chat/completions", body);
        var chunks = (await SseResult.ReadAsync(response)).Json;

        Assert.Equal("length", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(4, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(4, TestTokens.Count(Deltas(chunks)));
    }

    [Theory]
    [InlineData("header")]
    [InlineData("directive")]
    public async Task Cut_after_sends_that_many_content_chunks_then_breaks_the_connection(string how)
    {
        var prompt = how == "directive" ? "Cut me off [sim:cut=2]" : "Cut me off";
        (string, string)[] headers = how == "header" ? [("x-sim-cut-after", "2")] : [];

        using var response = await _client.PostJsonAsync("/v1/chat/completions", StreamBody(prompt, includeUsage: true), headers);
        var stream = await SseResult.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(stream.Failure);
        Assert.False(stream.HasDone);
        var chunks = stream.Json;
        Assert.Equal(3, chunks.Count);
        Assert.Equal(2, chunks.Count(c => !string.IsNullOrEmpty(c["choices"]![0]!["delta"]!["content"]?.GetValue<string>())));
        Assert.All(chunks, c => Assert.Null(c["usage"]));
        Assert.All(chunks, c => Assert.Null(c["choices"]![0]!["finish_reason"]));
    }

    [Fact]
    public async Task A_stall_holds_the_stream_after_the_first_chunk()
    {
        using var response = await _client.PostJsonAsync("/v1/chat/completions", StreamBody("Then wait."), ("x-sim-stall-ms", "60000"));
        using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);

        var first = await reader.ReadLineAsync();
        Assert.StartsWith("data: ", first, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"assistant\"", first, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await reader.ReadLineAsync());

        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadLineAsync(timeout.Token));
    }

    [Fact]
    public async Task A_simulated_error_on_a_stream_request_is_a_plain_error_response()
    {
        using var response = await _client.PostJsonAsync("/v1/chat/completions", StreamBody("Fail [sim:error=500]"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("server_error", (await response.JsonAsync())["error"]!["type"]!.GetValue<string>());
    }
}
