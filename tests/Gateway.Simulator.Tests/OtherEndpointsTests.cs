using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

public sealed class OtherEndpointsTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Models_lists_the_default_models_in_OpenAI_format()
    {
        using var response = await _client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("list", json["object"]!.GetValue<string>());
        var data = json["data"]!.AsArray();
        Assert.Equal(SimulatorOptions.DefaultModels, data.Select(m => m!["id"]!.GetValue<string>()));
        Assert.All(data, m => Assert.Equal("model", m!["object"]!.GetValue<string>()));
        Assert.Equal("anthropic", data.Single(m => m!["id"]!.GetValue<string>() == "claude-haiku-4-5")!["owned_by"]!.GetValue<string>());
        Assert.Equal("openai", data.Single(m => m!["id"]!.GetValue<string>() == "gpt-4o")!["owned_by"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_single_model_is_retrievable_and_an_unknown_one_is_404()
    {
        using var known = await _client.GetAsync("/v1/models/o4-mini");
        using var unknown = await _client.GetAsync("/v1/models/o9");

        Assert.Equal("o4-mini", (await known.JsonAsync())["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (await unknown.JsonAsync())["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Embeddings_are_deterministic_unit_vectors_with_token_usage()
    {
        var body = new JsonObject { ["model"] = "text-embedding-3-small", ["input"] = new JsonArray("first text", "second, longer text", "first text") };

        using var response = await _client.PostJsonAsync("/v1/embeddings", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        var vectors = json["data"]!.AsArray().Select(d => d!["embedding"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray()).ToArray();
        Assert.Equal([0, 1, 2], json["data"]!.AsArray().Select(d => d!["index"]!.GetValue<int>()));
        Assert.All(vectors, v => Assert.Equal(16, v.Length));
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 3));
        Assert.Equal(vectors[0], vectors[2]);
        Assert.NotEqual(vectors[0], vectors[1]);
        var expected = TestTokens.Count("first text") * 2 + TestTokens.Count("second, longer text");
        Assert.Equal(expected, json["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(expected, json["usage"]!["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Embeddings_honour_dimensions_and_base64_encodes_the_same_floats()
    {
        var floatBody = new JsonObject { ["model"] = "text-embedding-3-small", ["input"] = "hello", ["dimensions"] = 8 };
        var base64Body = new JsonObject { ["model"] = "text-embedding-3-small", ["input"] = "hello", ["dimensions"] = 8, ["encoding_format"] = "base64" };

        using var floats = await _client.PostJsonAsync("/v1/embeddings", floatBody);
        using var base64 = await _client.PostJsonAsync("/v1/embeddings", base64Body);

        var expected = (await floats.JsonAsync())["data"]![0]!["embedding"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        var bytes = Convert.FromBase64String((await base64.JsonAsync())["data"]![0]!["embedding"]!.GetValue<string>());
        Assert.Equal(8, expected.Length);
        Assert.Equal(expected, MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    [Fact]
    public async Task Embeddings_without_input_are_400()
    {
        using var response = await _client.PostJsonAsync("/v1/embeddings", new JsonObject { ["model"] = "text-embedding-3-small" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("input", (await response.JsonAsync())["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Legacy_completions_report_exact_usage()
    {
        var body = new JsonObject { ["model"] = "gpt-4o-mini", ["prompt"] = "Once upon a time", ["max_tokens"] = 10 };

        using var response = await _client.PostJsonAsync("/v1/completions", body);

        var json = await response.JsonAsync();
        Assert.Equal("text_completion", json["object"]!.GetValue<string>());
        Assert.StartsWith("cmpl-", json["id"]!.GetValue<string>(), StringComparison.Ordinal);
        var text = json["choices"]![0]!["text"]!.GetValue<string>();
        Assert.Equal("length", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(TestTokens.Count("Once upon a time"), json["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(10, json["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(10, TestTokens.Count(text));
    }

    [Fact]
    public async Task Legacy_completions_stream_with_usage_last()
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-4o-mini",
            ["prompt"] = "Once upon a time",
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };

        using var response = await _client.PostJsonAsync("/v1/completions", body);
        var stream = await SseResult.ReadAsync(response);

        Assert.True(stream.HasDone);
        var chunks = stream.Json;
        var text = string.Concat(chunks.Select(c => c["choices"]!.AsArray().FirstOrDefault()?["text"]?.GetValue<string>()));
        // No max_tokens: the legacy API's own default of 16 tokens cuts the answer, as OpenAI's does.
        Assert.Equal("length", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(16, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(TestTokens.Count(text), chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_json_error_not_an_empty_page()
    {
        using var response = await _client.PostJsonAsync("/v1/responses-nope", new JsonObject());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("invalid_request_error", (await response.JsonAsync())["error"]!["type"]!.GetValue<string>());
    }
}
