using System.Net;
using System.Text;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>The official Anthropic .NET SDK, with only its base URL and key changed, through the gateway.</summary>
public sealed class AnthropicSdkTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private AnthropicClient Client(string key) => new(new ClientOptions { BaseUrl = fixture.Gateway.BaseUrl, ApiKey = key, MaxRetries = 0 });

    private static MessageCreateParams Params(string text, long maxTokens = 30) => new()
    {
        Model = "claude-haiku-4-5",
        MaxTokens = maxTokens,
        Messages = [new UserMessageParam(text)],
    };

    [Fact]
    public async Task Message_and_streamed_message_are_audited_with_the_sdks_usage()
    {
        var key = await fixture.Admin.CreateKeyAsync("sam", 5m);
        var client = Client(key.Key);
        var withProviderKey = await fixture.Simulator.RequestsWithProviderKeyAsync();

        Message message = await client.Messages.Create(Params("hi"));
        var text = new StringBuilder();
        long streamedIn = 0, streamedOut = 0;
        await foreach (RawMessageStreamEvent e in client.Messages.CreateStreaming(Params("stream please")))
        {
            if (e.TryPickStart(out var start))
            {
                streamedIn = start.Message.Usage.InputTokens;
            }
            else if (e.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta))
            {
                text.Append(delta.Text);
            }
            else if (e.TryPickDelta(out var messageDelta))
            {
                streamedOut = messageDelta.Usage.OutputTokens;
            }
        }

        Assert.True(text.Length > 0);
        var rows = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), r => r.Count == 2, TimeSpan.FromSeconds(10), "two ledger rows");
        // Rows are in settlement order, which need not be request order.
        var plain = Assert.Single(rows, r => !r.Streaming);
        var streamed = Assert.Single(rows, r => r.Streaming);
        Assert.All(rows, r => Assert.Equal("completed", r.Outcome));

        // The simulator is deterministic for these prompts: "hi" is 8 input tokens and "stream please"
        // 9, and both answers stop at max_tokens, 30 (its default answer is 32).
        Assert.Equal((8, 30), (message.Usage.InputTokens, message.Usage.OutputTokens));
        Assert.Equal((8, 30), (plain.InputTokens, plain.OutputTokens));
        Assert.Equal((9, 30), (streamedIn, streamedOut));
        Assert.Equal((9, 30), (streamed.InputTokens, streamed.OutputTokens));

        // claude-haiku-4-5 in prices.json: $1 in, $5 out per million tokens, i.e. 1 and 5 micro-dollars a token.
        // Plain: 8 x 1 + 30 x 5 = 158. Streamed: 9 x 1 + 30 x 5 = 159.
        Assert.Equal(158, plain.CostMicros);
        Assert.Equal(159, streamed.CostMicros);

        // Both reached the provider, each with the provider's key and not the caller's.
        Assert.Equal(withProviderKey + 2, await fixture.Simulator.RequestsWithProviderKeyAsync());
        Assert.Equal(0, await fixture.Simulator.RejectedCredentialsAsync());
    }

    [Fact]
    public async Task Over_cap_and_revoked_keys_raise_the_sdks_own_exceptions()
    {
        var poor = await fixture.Admin.CreateKeyAsync("tom", 0.00001m);
        var revoked = await fixture.Admin.CreateKeyAsync("uma", 5m);
        await fixture.Admin.RevokeKeyAsync(revoked.KeyId);
        var before = await fixture.Simulator.RequestCountAsync();

        var overCap = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => Client(poor.Key).Messages.Create(Params("too expensive", maxTokens: 1000)));
        Assert.Equal(HttpStatusCode.TooManyRequests, overCap.StatusCode);
        var refused = await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => Client(revoked.Key).Messages.Create(Params("after revocation")));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // Neither refusal reached the provider.
        Assert.Equal(before, await fixture.Simulator.RequestCountAsync());
    }
}
