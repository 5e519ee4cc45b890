using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The SDK marks its Responses client experimental; the API it speaks is not.

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Prompt caching and reasoning through the gateway with the official SDKs, each kind of token on
/// its own column of the ledger row and charged at its own rate. Expected costs are worked out by
/// hand from prices.json, in micro-dollars per token (a price of $3 per million is 3 micro-dollars a token):
/// claude-sonnet-4-5 3 in, 15 out, 0.3 cache read, 3.75 5-minute write, 6 1-hour write;
/// gpt-4o 2.5 in, 10 out, 1.25 cached.
/// </summary>
public sealed class CachePricingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    // The simulator splits the prompt as asked: 20 tokens read from the cache, 8 written for 5 minutes, 4 for 1 hour.
    private const string CachedPrompt = "Summarise the contract we cached. [sim:cached=20] [sim:cache-write-5m=8] [sim:cache-write-1h=4]";

    // The simulator counts a one-message prompt as 3 to prime the reply + 3 for the message + "user" (1) + the text's
    // o200k tokens: 44 for CachedPrompt, so 44 - 20 - 8 - 4 = 12 uncached. The answer is its default 32 tokens.
    private const long SonnetPrompt = 44, UncachedTokens = 12;

    // 12 x 3 + 20 x 0.3 + 8 x 3.75 + 4 x 6 + 32 x 15 = 36 + 6 + 30 + 24 + 480 = 576 micro-dollars.
    private const long SonnetCost = 576;

    // Reserved: the gateway counts the prompt as 55 (o200k's 44 + Claude's 25% margin, rounded up). The body has no
    // cache_control breakpoint, so Anthropic writes no cache for it: every prompt token at the input rate, 3, + the
    // 64-token ceiling at 15: 55 x 3 + 64 x 15 = 165 + 960 = 1,125. (The simulator reports writes anyway, on command.)
    private const long SonnetReserved = 1_125;

    // "Cache all of this for an hour. [sim:cache-write-1h=100000]": 27 prompt tokens, all written for 1 hour.
    // 27 x 6 + 32 x 15 = 162 + 480 = 642.
    private const long PromptOfWholeWrite = 27, WholeWriteCost = 642;

    // Chat: 30 prompt tokens, 8 cached; 52 completion tokens, 20 of them reasoning (the answer gets its 32 of the 100 left).
    // (30 - 8) x 2.5 + 8 x 1.25 + 52 x 10 = 55 + 10 + 520 = 585. The 20 reasoning tokens are not added again.
    // Reserved: OpenAI bills no cache writes, so the input rate: 30 x 2.5 + 100 x 10 = 75 + 1,000 = 1,075.
    private const int ChatPrompt = 30;
    private const long ChatCost = 585, ChatReserved = 1_075;

    // Responses: 28 input tokens, 8 cached; 52 output tokens, 20 of them reasoning.
    // (28 - 8) x 2.5 + 8 x 1.25 + 52 x 10 = 50 + 10 + 520 = 580; reserved 28 x 2.5 + 64 x 10 = 70 + 640 = 710.
    private const int ResponsesPrompt = 28;
    private const long ResponsesCost = 580, ResponsesReserved = 710;

    private AnthropicClient Claude(string key) => new(new ClientOptions { BaseUrl = fixture.Gateway.BaseUrl, ApiKey = key, MaxRetries = 0 });

    private ChatClient Chat(string key) => new("gpt-4o", new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(fixture.Gateway.BaseUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private ResponsesClient Responses(string key) => new(new ApiKeyCredential(key), new ResponsesClientOptions
    {
        Endpoint = new Uri(fixture.Gateway.BaseUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private static MessageCreateParams Sonnet(string text) => new()
    {
        Model = "claude-sonnet-4-5",
        MaxTokens = 64,
        Messages = [new UserMessageParam(text)],
    };

    [Fact]
    public async Task Anthropic_message_charges_cache_reads_and_5_minute_and_1_hour_writes_each_at_its_own_rate()
    {
        var key = await fixture.Admin.CreateKeyAsync("cache-ann", 5m);

        Message message = await Claude(key.Key).Messages.Create(Sonnet(CachedPrompt));

        // What the SDK saw: Anthropic's input_tokens are the uncached rest only.
        Assert.Equal<long?>(UncachedTokens, message.Usage.InputTokens);
        Assert.Equal<long?>(20, message.Usage.CacheReadInputTokens);
        Assert.Equal<long?>(12, message.Usage.CacheCreationInputTokens);
        Assert.Equal<long?>(8, message.Usage.CacheCreation?.Ephemeral5mInputTokens);
        Assert.Equal<long?>(4, message.Usage.CacheCreation?.Ephemeral1hInputTokens);
        Assert.Equal<long?>(32, message.Usage.OutputTokens);

        var row = await SingleRowAsync(key.KeyId);
        AssertCachedSonnetRow(row, streaming: false);
    }

    [Fact]
    public async Task Streamed_Anthropic_message_charges_the_cache_traffic_message_start_and_message_delta_report()
    {
        var key = await fixture.Admin.CreateKeyAsync("cache-ben", 5m);
        Usage? started = null;
        MessageDeltaUsage? ended = null;

        await foreach (RawMessageStreamEvent e in Claude(key.Key).Messages.CreateStreaming(Sonnet(CachedPrompt)))
        {
            if (e.TryPickStart(out var start))
            {
                started = start.Message.Usage;
            }
            else if (e.TryPickDelta(out var delta))
            {
                ended = delta.Usage;
            }
        }

        Assert.NotNull(started);
        Assert.NotNull(ended);
        Assert.Equal<long?>(8, started.CacheCreation?.Ephemeral5mInputTokens);
        Assert.Equal<long?>(4, started.CacheCreation?.Ephemeral1hInputTokens);
        Assert.Equal<long?>(20, ended.CacheReadInputTokens);
        Assert.Equal<long?>(12, ended.CacheCreationInputTokens);
        Assert.Equal<long?>(32, ended.OutputTokens);

        var row = await SingleRowAsync(key.KeyId);
        AssertCachedSonnetRow(row, streaming: true);
    }

    [Fact]
    public async Task Anthropic_cache_breakpoints_decide_the_rate_prompt_tokens_are_reserved_at_and_a_whole_1_hour_write_stays_within_it()
    {
        var key = await fixture.Admin.CreateKeyAsync("cache-cy", 5m);
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        // The same text each time, so the same prompt count: the simulator writes it all to the 1-hour cache whatever the body says.
        const string Prompt = "Cache all of this for an hour. [sim:cache-write-1h=100000]";

        async Task<AuditRecord> SendAsync(string? cacheControl, string directive = "")
        {
            var before = (await fixture.Ledger.RowsAsync(key.KeyId)).Count;
            var block = cacheControl is null
                ? $$"""{"type":"text","text":"{{Prompt}}{{directive}}"}"""
                : $$"""{"type":"text","text":"{{Prompt}}{{directive}}","cache_control":{{cacheControl}}}""";
            using var response = await http.SendAsync(ProviderRequest.Create(HttpMethod.Post, "/v1/messages", key.Key, anthropic: true,
                $$"""{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":[{{block}}]}]}"""));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count == before + 1, TimeSpan.FromSeconds(10), "the row");
            return rows.MaxBy(r => r.Sequence)!;
        }

        // No breakpoint: no cache write is possible, so the input rate, 3 a token. The 64-token ceiling adds 64 x 15 = 960.
        var plain = await SendAsync(null);
        var prompt = (plain.ReservedMicros - 960) / 3;
        Assert.Equal(960 + (3 * prompt), plain.ReservedMicros);

        // A breakpoint with the default 5-minute TTL: 3.75 a token, rounded up once for the whole request.
        var fiveMinutes = await SendAsync("""{"type":"ephemeral"}""");
        Assert.Equal(((prompt * 3_750_000) + 960_000_000 + 999_999) / 1_000_000, fiveMinutes.ReservedMicros);

        // "ttl": "1h": 6 a token, the dearest a prompt token can settle at, and a prompt written whole to the 1-hour
        // cache settles within it: 27 tokens x 6 + 32 output x 15 = 162 + 480 = 642.
        var hour = await SendAsync("""{"type":"ephemeral","ttl":"1h"}""");
        Assert.Equal(960 + (6 * prompt), hour.ReservedMicros);
        Assert.Equal((PromptOfWholeWrite, 0L, 0L, PromptOfWholeWrite), (hour.InputTokens, hour.CachedInputTokens, hour.CacheWrite5mTokens, hour.CacheWrite1hTokens));
        Assert.Equal(WholeWriteCost, hour.CostMicros);
        Assert.True(hour.CostMicros <= hour.ReservedMicros, "the reservation covers a prompt written whole to the 1-hour cache");

        // An escape could spell a marker unseen: any \u in the body is reserved as the worst case.
        var escaped = await SendAsync(null, " caf\\u00e9");
        Assert.True(escaped.ReservedMicros >= 960 + (6 * prompt), $"{escaped.ReservedMicros} reserved for a body with an escape, its prompt a token longer");
    }

    [Fact]
    public async Task Chat_completion_charges_cached_input_at_the_cached_price_and_reasoning_once_as_output()
    {
        var key = await fixture.Admin.CreateKeyAsync("cache-dee", 5m);
        const string prompt = "Think, then answer from the cache. [sim:cached=8] [sim:reasoning=20]";

        ChatCompletion completion = await Chat(key.Key).CompleteChatAsync([new UserChatMessage(prompt)], new ChatCompletionOptions { MaxOutputTokenCount = 100 });

        // The SDK's view: prompt tokens include the cached ones, completion tokens the reasoning (20 + the 32 of the answer).
        Assert.Equal((ChatPrompt, 8, 52, 20),
            (completion.Usage.InputTokenCount, completion.Usage.InputTokenDetails.CachedTokenCount, completion.Usage.OutputTokenCount, completion.Usage.OutputTokenDetails.ReasoningTokenCount));

        var row = await SingleRowAsync(key.KeyId);
        AssertChatRow(row, streaming: false);
    }

    [Fact]
    public async Task Streamed_chat_completion_charges_the_cached_and_reasoning_tokens_of_its_usage_chunk()
    {
        var key = await fixture.Admin.CreateKeyAsync("cache-eve", 5m);
        const string prompt = "Think, then answer from the cache. [sim:cached=8] [sim:reasoning=20]";
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat(key.Key).CompleteChatStreamingAsync([new UserChatMessage(prompt)], new ChatCompletionOptions { MaxOutputTokenCount = 100 }))
        {
            usage = update.Usage ?? usage;
        }

        Assert.NotNull(usage);
        Assert.Equal((8, 20), (usage.InputTokenDetails.CachedTokenCount, usage.OutputTokenDetails.ReasoningTokenCount));
        var row = await SingleRowAsync(key.KeyId);
        AssertChatRow(row, streaming: true);
    }

    [Fact]
    public async Task Streamed_response_charges_cached_input_and_reasoning_with_reasoning_inside_the_output()
    {
        var key = await fixture.Admin.CreateKeyAsync("cache-fay", 5m);
        const string prompt = "Reason over the cached notes. [sim:cached=8] [sim:reasoning=20]";
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem(prompt)]) { MaxOutputTokenCount = 64, StreamingEnabled = true };
        ResponseResult? completed = null;

        await foreach (var update in await Responses(key.Key).CreateResponseStreamingAsync(options))
        {
            if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.NotNull(completed);
        Assert.Equal((ResponsesPrompt, 8, 52, 20),
            (completed.Usage.InputTokenCount, completed.Usage.InputTokenDetails.CachedTokenCount, completed.Usage.OutputTokenCount, completed.Usage.OutputTokenDetails.ReasoningTokenCount));

        var row = await SingleRowAsync(key.KeyId);
        Assert.Equal(("completed", true, true), (row.Outcome, row.Streaming, row.UsageReported));
        Assert.Equal((ResponsesPrompt, 52L, 8L, 20L, 0L, 0L),
            (row.InputTokens, row.OutputTokens, row.CachedInputTokens, row.ReasoningTokens, row.CacheWrite5mTokens, row.CacheWrite1hTokens));
        Assert.Equal(ResponsesCost, row.CostMicros);
        Assert.Equal(ResponsesReserved, row.ReservedMicros);
    }

    [Fact]
    public async Task Audit_api_and_gatewayctl_show_each_kind_of_token_and_the_rates_it_was_charged_at()
    {
        var key = await fixture.Admin.CreateKeyAsync("cache-gus", 5m);
        await Claude(key.Key).Messages.Create(Sonnet(CachedPrompt));
        await SingleRowAsync(key.KeyId);

        var item = (await fixture.Admin.GetJsonAsync($"/admin/v1/audit?keyId={key.KeyId}")).GetProperty("items").EnumerateArray().Single();

        Assert.Equal((SonnetPrompt, 32L, 20L, 8L, 4L, 0L),
            (item.GetProperty("inputTokens").GetInt64(), item.GetProperty("outputTokens").GetInt64(), item.GetProperty("cachedInputTokens").GetInt64(),
                item.GetProperty("cacheWrite5mTokens").GetInt64(), item.GetProperty("cacheWrite1hTokens").GetInt64(), item.GetProperty("reasoningTokens").GetInt64()));
        Assert.Equal((3_000_000L, 15_000_000L, 300_000L, 3_750_000L, 6_000_000L),
            (item.GetProperty("priceInputMicrosPerMTok").GetInt64(), item.GetProperty("priceOutputMicrosPerMTok").GetInt64(), item.GetProperty("priceCachedMicrosPerMTok").GetInt64(),
                item.GetProperty("priceCacheWrite5mMicrosPerMTok").GetInt64(), item.GetProperty("priceCacheWrite1hMicrosPerMTok").GetInt64()));
        Assert.Equal(SonnetCost, item.GetProperty("costMicros").GetInt64());

        // gatewayctl audit shows the cache traffic (read/5-minute/1-hour); the CSV export has a column for each kind.
        var before = DateTimeOffset.UtcNow.AddHours(-1).ToString("O");
        var after = DateTimeOffset.UtcNow.AddHours(1).ToString("O");
        var table = await CliAsync("audit", "--key", key.KeyId);
        Assert.True(table.Exit == 0, table.Err);
        Assert.Contains("CACHE R/W5M/W1H", table.Out, StringComparison.Ordinal);
        Assert.Contains("20/8/4", table.Out, StringComparison.Ordinal);
        var csv = await CliAsync("audit", "export", "--key", key.KeyId, "--from", before, "--to", after, "--format", "csv");
        Assert.True(csv.Exit == 0, csv.Err);
        var lines = csv.Out.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var columns = lines[0].Split(',');
        var values = lines[1].Split(',');
        string Csv(string column) => values[Array.IndexOf(columns, column)];
        Assert.Equal(("20", "8", "4", "0", "3750000", "6000000", "576"),
            (Csv("cachedInputTokens"), Csv("cacheWrite5mTokens"), Csv("cacheWrite1hTokens"), Csv("reasoningTokens"),
                Csv("priceCacheWrite5mMicrosPerMTok"), Csv("priceCacheWrite1hMicrosPerMTok"), Csv("costMicros")));

        // The usage report adds up each kind too (from the rollup, or from the journal while the row is not yet copied).
        var usage = (await fixture.Admin.GetJsonAsync($"/admin/v1/usage?groupBy=key&from={Uri.EscapeDataString(before)}&to={Uri.EscapeDataString(after)}"))
            .GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("group").GetString() == key.KeyId);
        Assert.Equal((SonnetPrompt, 20L, 8L, 4L, SonnetCost),
            (usage.GetProperty("inputTokens").GetInt64(), usage.GetProperty("cachedInputTokens").GetInt64(), usage.GetProperty("cacheWrite5mTokens").GetInt64(),
                usage.GetProperty("cacheWrite1hTokens").GetInt64(), usage.GetProperty("costMicros").GetInt64()));

        // The row's hash covers the new columns: the chain still verifies.
        var verify = await fixture.Admin.GetJsonAsync($"/admin/v1/audit/verify?keyId={key.KeyId}");
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
        Assert.Equal(1, verify.GetProperty("chains").GetInt32());
    }

    [Fact]
    public async Task Price_set_through_the_admin_api_carries_cache_write_rates_and_defaults_them_from_the_input()
    {
        using (var stated = await fixture.Admin.PutAsJsonAsync("/admin/v1/prices/acme-cache-stated",
            new { input = "2", output = "8", cachedInput = "0.2", cacheWrite5m = "2.5", cacheWrite1h = "4.10" }))
        {
            Assert.True(stated.IsSuccessStatusCode, await stated.Content.ReadAsStringAsync());
        }

        using (var omitted = await fixture.Admin.PutAsJsonAsync("/admin/v1/prices/acme-cache-default", new { input = "0.15", output = "0.60" }))
        {
            Assert.True(omitted.IsSuccessStatusCode, await omitted.Content.ReadAsStringAsync());
        }

        using (var bad = await fixture.Admin.PutAsJsonAsync("/admin/v1/prices/acme-cache-bad", new { input = "1", output = "1", cacheWrite1h = "-1" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("cacheWrite1h", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var stated1 = await fixture.Admin.GetJsonAsync("/admin/v1/prices/acme-cache-stated");
        Assert.Equal(("2.50", "4.10", 2_500_000L, 4_100_000L),
            (stated1.GetProperty("cacheWrite5m").GetString(), stated1.GetProperty("cacheWrite1h").GetString(),
                stated1.GetProperty("cacheWrite5mMicrosPerMTok").GetInt64(), stated1.GetProperty("cacheWrite1hMicrosPerMTok").GetInt64()));

        // $0.15 in: 150,000 x 1.25 = 187,500 and 150,000 x 2 = 300,000 micro-dollars per million.
        var defaulted = await fixture.Admin.GetJsonAsync("/admin/v1/prices/acme-cache-default");
        Assert.Equal((187_500L, 300_000L), (defaulted.GetProperty("cacheWrite5mMicrosPerMTok").GetInt64(), defaulted.GetProperty("cacheWrite1hMicrosPerMTok").GetInt64()));
    }

    private static void AssertCachedSonnetRow(AuditRecord row, bool streaming)
    {
        Assert.Equal(("completed", streaming, true), (row.Outcome, row.Streaming, row.UsageReported));

        // The row's input is every prompt token; the cache traffic is part of it.
        Assert.Equal((SonnetPrompt, 32L, 20L, 8L, 4L, 0L),
            (row.InputTokens, row.OutputTokens, row.CachedInputTokens, row.CacheWrite5mTokens, row.CacheWrite1hTokens, row.ReasoningTokens));
        Assert.Equal((3_000_000L, 300_000L, 3_750_000L, 6_000_000L),
            (row.PriceInputMicrosPerMTok, row.PriceCachedMicrosPerMTok, row.PriceCacheWrite5mMicrosPerMTok, row.PriceCacheWrite1hMicrosPerMTok));
        Assert.Equal(SonnetCost, row.CostMicros);
        Assert.Equal(SonnetReserved, row.ReservedMicros);
    }

    private static void AssertChatRow(AuditRecord row, bool streaming)
    {
        Assert.Equal(("completed", streaming, true), (row.Outcome, row.Streaming, row.UsageReported));
        Assert.Equal((ChatPrompt, 52L, 8L, 20L, 0L, 0L),
            (row.InputTokens, row.OutputTokens, row.CachedInputTokens, row.ReasoningTokens, row.CacheWrite5mTokens, row.CacheWrite1hTokens));
        Assert.Equal(ChatCost, row.CostMicros);
        Assert.Equal(ChatReserved, row.ReservedMicros);
    }

    private async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey };
        var exit = await Gateway.Cli.GatewayCtl.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private async Task<AuditRecord> SingleRowAsync(string keyId)
    {
        // The client can hold its answer a moment before settlement commits: poll, with a deadline.
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count > 0, TimeSpan.FromSeconds(10), $"ledger row of {keyId}");
        return Assert.Single(rows);
    }
}
