using System.ClientModel;
using System.ClientModel.Primitives;
using Gateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Embeddings;

namespace Gateway.Tests.EndToEnd;

/// <summary>Embeddings and legacy completions through the official OpenAI SDK, priced and audited like chat.</summary>
public sealed class OtherRoutesTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private OpenAIClientOptions Options => new() { Endpoint = new Uri(fixture.Gateway.BaseUrl + "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };

    [Fact]
    public async Task Embeddings_are_audited_with_their_input_tokens_and_cost()
    {
        var key = await fixture.Admin.CreateKeyAsync("quinn", 1m);
        var client = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential(key.Key), Options);

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["first text to embed", "second"]);

        Assert.Equal(2, embeddings.Count);
        var row = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "ledger row"));
        Assert.Equal(("completed", "/v1/embeddings"), (row.Outcome, row.Endpoint));
        // The simulator counts the two inputs as 5 tokens together.
        Assert.Equal(5, embeddings.Usage.InputTokenCount);
        Assert.Equal((5, 0), (row.InputTokens, row.OutputTokens));

        // text-embedding-3-small: $0.02 per million input tokens: 5 x 0.02 = 0.1 micro-dollars,
        // rounded up to 1 (the gateway never charges a used request less than it cost).
        Assert.Equal(1, row.CostMicros);
    }

    [Fact]
    public async Task Legacy_completion_is_audited_with_its_usage()
    {
        var key = await fixture.Admin.CreateKeyAsync("ruth", 1m);
        var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","prompt":"Say something","max_tokens":12}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.Key);

        using var response = await http.SendAsync(request);
        var usage = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");

        var row = Assert.Single(await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count > 0, TimeSpan.FromSeconds(10), "ledger row"));
        Assert.Equal(("completed", "/v1/completions"), (row.Outcome, row.Endpoint));
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), row.InputTokens);
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt64(), row.OutputTokens);
        Assert.True(row.OutputTokens is > 0 and <= 12);
    }
}
