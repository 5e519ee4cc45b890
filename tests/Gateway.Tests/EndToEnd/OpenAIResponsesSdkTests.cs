using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;
using Microsoft.ML.Tokenizers;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The SDK marks its Responses client experimental; the API it speaks is not.

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The official OpenAI .NET SDK's Responses client (what Codex and the newer SDKs speak), with only
/// its base URL and key changed, through the gateway: each call leaves a completed ledger row with
/// the tokens the provider reported and their cost, cached input at the cached price and reasoning
/// as output.
/// </summary>
public sealed class OpenAIResponsesSdkTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    // Prices in prices.json, in micro-dollars per million tokens (input, output, cached input).
    private const long Gpt4oInput = 2_500_000, Gpt4oOutput = 10_000_000, Gpt4oCached = 1_250_000;
    private const long O4MiniInput = 1_100_000, O4MiniOutput = 4_400_000;
    private const long MiniInput = 150_000, MiniOutput = 600_000;

    private static readonly Tokenizer O200k = TiktokenTokenizer.CreateForModel("gpt-4o");

    private ResponsesClient Client(string key) => new(new ApiKeyCredential(key), new ResponsesClientOptions
    {
        Endpoint = new Uri(fixture.Gateway.BaseUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    /// <summary>The chat accounting the simulator bills one user message by: 3 to prime the reply, 3 per message, its role and its text.</summary>
    private static int UserPromptTokens(string text) => 3 + 3 + O200k.CountTokens("user") + O200k.CountTokens(text);

    /// <summary>Micro-dollars, rounded up, as the gateway charges them.</summary>
    private static long Cost(long uncached, long inputPrice, long cached, long cachedPrice, long output, long outputPrice) =>
        (uncached * inputPrice + cached * cachedPrice + output * outputPrice + 999_999) / 1_000_000;

    [Fact]
    public async Task Response_is_audited_with_its_cached_input_at_the_cached_price()
    {
        var key = await fixture.Admin.CreateKeyAsync("resp-alice", 5m);
        const string prompt = "Say hello through the Responses API. [sim:cached=8]";
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem(prompt)]) { MaxOutputTokenCount = 40 };

        ResponseResult response = await Client(key.Key).CreateResponseAsync(options);

        var input = UserPromptTokens(prompt);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
        Assert.Equal(32, O200k.CountTokens(response.GetOutputText()));
        Assert.Equal((input, 8, 32), (response.Usage.InputTokenCount, response.Usage.InputTokenDetails.CachedTokenCount, response.Usage.OutputTokenCount));

        var row = await SingleSettledRowAsync(key.KeyId);
        Assert.Equal(("completed", 200, false, true), (row.Outcome, row.HttpStatus, row.Streaming, row.UsageReported));
        Assert.Equal((input, 32, 8), (row.InputTokens, row.OutputTokens, row.CachedInputTokens));
        Assert.Equal((Gpt4oInput, Gpt4oOutput, Gpt4oCached), (row.PriceInputMicrosPerMTok, row.PriceOutputMicrosPerMTok, row.PriceCachedMicrosPerMTok));

        // (input - 8) x $2.50/M + 8 x $1.25/M + 32 x $10/M: the 8 cached tokens at half the input price.
        Assert.Equal(Cost(input - 8, Gpt4oInput, 8, Gpt4oCached, 32, Gpt4oOutput), row.CostMicros);
        Assert.True(row.CostMicros < Cost(input, Gpt4oInput, 0, 0, 32, Gpt4oOutput), "cached tokens cost less than the same tokens uncached");

        // The reservation is the prompt as the provider counts it plus the 40-token ceiling: exact, not low.
        Assert.Equal(Cost(input, Gpt4oInput, 0, 0, 40, Gpt4oOutput), row.ReservedMicros);
        Assert.Equal(row.CostMicros, (await SettledStateAsync(key.KeyId, row.CostMicros)).GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task Streamed_response_is_audited_with_its_reasoning_tokens_inside_its_output()
    {
        var key = await fixture.Admin.CreateKeyAsync("resp-bob", 5m);
        const string prompt = "Reason, then stream an answer. [sim:reasoning=20]";
        var options = new CreateResponseOptions("o4-mini", [ResponseItem.CreateUserMessageItem(prompt)]) { MaxOutputTokenCount = 64, StreamingEnabled = true };
        var text = new StringBuilder();
        var sequence = new List<int>();
        ResponseResult? completed = null;

        await foreach (var update in await Client(key.Key).CreateResponseStreamingAsync(options))
        {
            sequence.Add(update.SequenceNumber);
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate delta:
                    text.Append(delta.Delta);
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
            }
        }

        var input = UserPromptTokens(prompt);
        Assert.NotNull(completed);
        Assert.Equal(Enumerable.Range(0, sequence.Count), sequence);
        Assert.Equal(text.ToString(), completed.GetOutputText());
        Assert.Equal(32, O200k.CountTokens(text.ToString()));

        // Reasoning tokens are output tokens: 20 of reasoning and the 32 of the answer.
        Assert.Equal((input, 52, 20), (completed.Usage.InputTokenCount, completed.Usage.OutputTokenCount, completed.Usage.OutputTokenDetails.ReasoningTokenCount));
        var row = await SingleSettledRowAsync(key.KeyId);
        Assert.Equal(("completed", true, true), (row.Outcome, row.Streaming, row.UsageReported));
        Assert.Equal((input, 52, 0), (row.InputTokens, row.OutputTokens, row.CachedInputTokens));
        Assert.Equal(Cost(input, O4MiniInput, 0, 0, 52, O4MiniOutput), row.CostMicros);
        Assert.Equal(Cost(input, O4MiniInput, 0, 0, 64, O4MiniOutput), row.ReservedMicros);
        Assert.Equal(row.CostMicros, (await SettledStateAsync(key.KeyId, row.CostMicros)).GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task Function_call_round_trip_leaves_a_completed_row_per_call()
    {
        var key = await fixture.Admin.CreateKeyAsync("resp-carol", 5m);
        var client = Client(key.Key);
        const string prompt = "What is the weather in Paris? [sim:tool=get_weather]";
        var tool = ResponseTool.CreateFunctionTool(
            "get_weather",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
            strictModeEnabled: false,
            "The weather in a city.");
        var first = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem(prompt)]) { MaxOutputTokenCount = 100, StreamingEnabled = true };
        first.Tools.Add(tool);

        // The call streams its arguments, as Codex receives them.
        var argumentDeltas = new StringBuilder();
        FunctionCallResponseItem? call = null;
        ResponseResult? firstResult = null;
        await foreach (var update in await client.CreateResponseStreamingAsync(first))
        {
            switch (update)
            {
                case StreamingResponseFunctionCallArgumentsDeltaUpdate delta:
                    argumentDeltas.Append(delta.Delta.ToString());
                    break;
                case StreamingResponseOutputItemDoneUpdate { Item: FunctionCallResponseItem done }:
                    call = done;
                    break;
                case StreamingResponseCompletedUpdate completed:
                    firstResult = completed.Response;
                    break;
            }
        }

        Assert.NotNull(call);
        Assert.NotNull(firstResult);
        Assert.Equal("get_weather", call.FunctionName);
        var arguments = call.FunctionArguments.ToString();
        Assert.Equal(arguments, argumentDeltas.ToString());
        using (var parsed = JsonDocument.Parse(arguments))
        {
            Assert.Equal(JsonValueKind.String, parsed.RootElement.GetProperty("city").ValueKind);
        }

        // The function's output goes back with the call; the answer is text.
        var second = new CreateResponseOptions("gpt-4o-mini",
            [ResponseItem.CreateUserMessageItem(prompt), call, ResponseItem.CreateFunctionCallOutputItem(call.CallId, "18 degrees and clear.")])
        { MaxOutputTokenCount = 100 };
        second.Tools.Add(tool);
        ResponseResult answer = await client.CreateResponseAsync(second);

        Assert.Equal(32, O200k.CountTokens(answer.GetOutputText()));
        Assert.DoesNotContain(answer.OutputItems, i => i is FunctionCallResponseItem);

        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count >= 2, TimeSpan.FromSeconds(10), $"two ledger rows of {key.KeyId}");
        Assert.Equal(2, rows.Count);
        var callRow = Assert.Single(rows, r => r.Streaming);
        var answerRow = Assert.Single(rows, r => !r.Streaming);

        // The call's output tokens are its arguments'; the answer's input carries the call and its output back.
        Assert.Equal((firstResult.Usage.InputTokenCount, O200k.CountTokens(arguments)), ((int)callRow.InputTokens, (int)callRow.OutputTokens));
        Assert.Equal((answer.Usage.InputTokenCount, 32), ((int)answerRow.InputTokens, (int)answerRow.OutputTokens));
        Assert.True(answerRow.InputTokens > callRow.InputTokens, "the second request carries the call and its output as input");
        foreach (var row in rows)
        {
            Assert.Equal(("completed", true), (row.Outcome, row.UsageReported));
            Assert.Equal(Cost(row.InputTokens, MiniInput, 0, 0, row.OutputTokens, MiniOutput), row.CostMicros);
            Assert.True(row.ReservedMicros >= row.CostMicros, "the reservation covers what the provider billed");
        }

        var spent = rows.Sum(r => r.CostMicros);
        Assert.Equal(spent, (await SettledStateAsync(key.KeyId, spent)).GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task Response_cut_by_max_output_tokens_is_completed_on_the_ledger_with_the_capped_output()
    {
        var key = await fixture.Admin.CreateKeyAsync("resp-dave", 5m);
        const string prompt = "Write at length. [sim:tokens=200]";
        var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem(prompt)]) { MaxOutputTokenCount = 16, StreamingEnabled = true };
        ResponseResult? incomplete = null;

        await foreach (var update in await Client(key.Key).CreateResponseStreamingAsync(options))
        {
            if (update is StreamingResponseIncompleteUpdate end)
            {
                incomplete = end.Response;
            }
        }

        Assert.NotNull(incomplete);
        Assert.Equal(ResponseStatus.Incomplete, incomplete.Status);
        Assert.Equal(ResponseIncompleteStatusReason.MaxOutputTokens, incomplete.IncompleteStatusDetails.Reason);
        var row = await SingleSettledRowAsync(key.KeyId);

        // An incomplete response ended properly and reported its usage: completed, like a chat answer cut by max_tokens.
        var input = UserPromptTokens(prompt);
        Assert.Equal(("completed", true), (row.Outcome, row.UsageReported));
        Assert.Equal((input, 16), (row.InputTokens, row.OutputTokens));
        Assert.Equal(Cost(input, MiniInput, 0, 0, 16, MiniOutput), row.CostMicros);
        Assert.Equal(row.ReservedMicros, row.CostMicros);
    }

    /// <summary>The key's state once its spend has caught up with its ledger (the row is written first).</summary>
    private Task<JsonElement> SettledStateAsync(string keyId, long spentMicros) =>
        Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(keyId), s => s.GetProperty("spentMicros").GetInt64() >= spentMicros, TimeSpan.FromSeconds(10), "spend to include the settled row");

    private async Task<AuditRecord> SingleSettledRowAsync(string keyId)
    {
        // The client can hold its answer a moment before settlement commits: poll, with a deadline.
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count > 0, TimeSpan.FromSeconds(10), $"ledger row of {keyId}");
        return Assert.Single(rows);
    }
}
