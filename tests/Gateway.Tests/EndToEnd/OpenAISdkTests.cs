using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Tests.EndToEnd;

/// <summary>The official OpenAI .NET SDK, with only its base URL and key changed, through the gateway.</summary>
public sealed class OpenAISdkTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    // gpt-4o-mini in prices.json: $0.15 and $0.60 per million tokens, 150,000 and 600,000 micro-dollars.
    private const long MiniInputPerMTok = 150_000, MiniOutputPerMTok = 600_000;

    private ChatClient Client(string key, string model = "gpt-4o-mini") => new(model, new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(fixture.Gateway.BaseUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    [Fact]
    public async Task Completion_is_answered_and_audited_with_its_exact_tokens_and_cost()
    {
        var key = await fixture.Admin.CreateKeyAsync("alice", 5m);
        var withProviderKey = await fixture.Simulator.RequestsWithProviderKeyAsync();

        ChatCompletion completion = await Client(key.Key).CompleteChatAsync(
            [new UserChatMessage("Say hello to the gateway.")], new ChatCompletionOptions { MaxOutputTokenCount = 40 });

        // The simulator is deterministic for this prompt: 13 prompt tokens, and its default answer
        // of 32 tokens, within the 40 allowed.
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal((13, 32), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount));
        var row = await SingleSettledRowAsync(key.KeyId);
        Assert.Equal("completed", row.Outcome);
        Assert.Equal(200, row.HttpStatus);
        Assert.False(row.Streaming);
        Assert.True(row.UsageReported);
        Assert.Equal((13, 32), (row.InputTokens, row.OutputTokens));

        // 13 x $0.15/M + 32 x $0.60/M = 1.95 + 19.2 = 21.15 micro-dollars, rounded up to 22.
        Assert.Equal(22, row.CostMicros);
        Assert.Equal((MiniInputPerMTok, MiniOutputPerMTok), (row.PriceInputMicrosPerMTok, row.PriceOutputMicrosPerMTok));
        Assert.True(row.ReservedMicros >= row.CostMicros, "the reservation covers the settled cost");
        Assert.Equal("alice", row.UserId);
        Assert.Equal("test-region", row.Region);

        var state = await SettledStateAsync(key.KeyId, row.CostMicros);
        Assert.Equal(row.CostMicros, state.GetProperty("spentMicros").GetInt64());
        Assert.Equal(0, state.GetProperty("reservedMicros").GetInt64());
        Assert.Equal(0, state.GetProperty("inFlight").GetInt32());

        // The request reached the provider once, with the provider's key and not the caller's.
        Assert.Equal(withProviderKey + 1, await fixture.Simulator.RequestsWithProviderKeyAsync());
        Assert.Equal(0, await fixture.Simulator.RejectedCredentialsAsync());
    }

    [Fact]
    public async Task Streamed_completion_is_audited_with_the_usage_the_stream_reported()
    {
        var key = await fixture.Admin.CreateKeyAsync("bob", 5m);
        var withProviderKey = await fixture.Simulator.RequestsWithProviderKeyAsync();
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;

        await foreach (var update in Client(key.Key).CompleteChatStreamingAsync(
            [new UserChatMessage("Stream a short answer.")], new ChatCompletionOptions { MaxOutputTokenCount = 60 }))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage = update.Usage ?? usage;
        }

        Assert.True(text.Length > 0);
        Assert.NotNull(usage);
        var row = await SingleSettledRowAsync(key.KeyId);
        Assert.Equal("completed", row.Outcome);
        Assert.True(row.Streaming);
        Assert.True(row.UsageReported);
        // 12 prompt tokens for this prompt, and the simulator's default answer of 32 tokens.
        Assert.Equal((12, 32), (usage.InputTokenCount, usage.OutputTokenCount));
        Assert.Equal((12, 32), (row.InputTokens, row.OutputTokens));

        // 12 x $0.15/M + 32 x $0.60/M = 1.8 + 19.2 = 21 micro-dollars exactly: a streamed request is never recorded as $0.
        Assert.Equal(21, row.CostMicros);
        Assert.Equal(row.CostMicros, (await SettledStateAsync(key.KeyId, row.CostMicros)).GetProperty("spentMicros").GetInt64());
        Assert.Equal(withProviderKey + 1, await fixture.Simulator.RequestsWithProviderKeyAsync());
        Assert.Equal(0, await fixture.Simulator.RejectedCredentialsAsync());
    }

    [Fact]
    public async Task Key_over_its_cap_is_refused_with_insufficient_quota_and_nothing_goes_upstream()
    {
        // $0.0001 cannot cover 1,000 output tokens of sim-large at $20 per million.
        var key = await fixture.Admin.CreateKeyAsync("carol", 0.0001m);
        var before = await fixture.Simulator.RequestCountAsync();

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client(key.Key, "sim-large").CompleteChatAsync(
            [new UserChatMessage("This must not reach the model.")], new ChatCompletionOptions { MaxOutputTokenCount = 1000 }));

        Assert.Equal(429, error.Status);
        Assert.Contains("insufficient_quota", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
        var rows = await fixture.Ledger.RowsAsync(key.KeyId);
        var denial = Assert.Single(rows);
        Assert.Equal("denied", denial.Outcome);
        Assert.Equal("OverBudget", denial.Denial);
        Assert.Equal(0, denial.CostMicros);
        Assert.Equal(0, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task Revoked_key_is_refused_with_401_and_nothing_goes_upstream()
    {
        var key = await fixture.Admin.CreateKeyAsync("dave", 5m);
        var client = Client(key.Key);
        await client.CompleteChatAsync([new UserChatMessage("Before revocation.")], new ChatCompletionOptions { MaxOutputTokenCount = 10 });

        await fixture.Admin.RevokeKeyAsync(key.KeyId);
        var before = await fixture.Simulator.RequestCountAsync();
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.CompleteChatAsync([new UserChatMessage("After revocation.")], new ChatCompletionOptions { MaxOutputTokenCount = 10 }));

        Assert.Equal(401, error.Status);
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
        var state = await fixture.Admin.GetKeyAsync(key.KeyId);
        Assert.Equal("revoked", state.GetProperty("status").GetString());
        var rows = await fixture.Ledger.RowsAsync(key.KeyId);
        Assert.Contains(rows, r => r.Outcome == "denied" && r.Denial == "Revoked");
    }

    [Fact]
    public async Task Unknown_key_and_wrong_secret_are_refused_with_401()
    {
        var key = await fixture.Admin.CreateKeyAsync("erin", 5m);
        var before = await fixture.Simulator.RequestCountAsync();

        var unknown = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client("gw_nosuchkey_" + new string('x', 43)).CompleteChatAsync([new UserChatMessage("hi")]));
        var wrongSecret = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client($"gw_{key.KeyId}_{new string('y', 43)}").CompleteChatAsync([new UserChatMessage("hi")]));
        var notAGatewayKey = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client("sk-some-provider-key").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal([401, 401, 401], new[] { unknown.Status, wrongSecret.Status, notAGatewayKey.Status });
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
        var rows = await fixture.Ledger.RowsAsync(key.KeyId);
        Assert.Contains(rows, r => r.Denial == "UnknownKey");
        // Refusals no key owns are on the record too, without any secret.
        var unattributed = await fixture.Ledger.UnattributedAsync();
        Assert.Contains(("nosuchkey", "unknown_key"), unattributed);
        Assert.Contains((null, "malformed_or_missing_key"), unattributed);
    }

    [Fact]
    public async Task Model_outside_the_keys_allow_list_is_refused_with_403()
    {
        var key = await fixture.Admin.CreateKeyAsync("frank", 5m, ["gpt-4o-mini*"]);
        await Client(key.Key).CompleteChatAsync([new UserChatMessage("allowed")], new ChatCompletionOptions { MaxOutputTokenCount = 5 });
        var before = await fixture.Simulator.RequestCountAsync();

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(key.Key, "gpt-4o").CompleteChatAsync([new UserChatMessage("not allowed")], new ChatCompletionOptions { MaxOutputTokenCount = 5 }));

        Assert.Equal(403, error.Status);
        Assert.Contains("gpt-4o", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }

    /// <summary>The key's state once its spend has caught up with its ledger (the row is written first).</summary>
    private Task<System.Text.Json.JsonElement> SettledStateAsync(string keyId, long spentMicros) =>
        Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(keyId), s => s.GetProperty("spentMicros").GetInt64() >= spentMicros, TimeSpan.FromSeconds(10), "spend to include the settled row");

    private async Task<AuditRecord> SingleSettledRowAsync(string keyId)
    {
        // The client can hold its answer a moment before settlement commits: poll, with a deadline.
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count > 0, TimeSpan.FromSeconds(10), $"ledger row of {keyId}");
        return Assert.Single(rows);
    }
}
