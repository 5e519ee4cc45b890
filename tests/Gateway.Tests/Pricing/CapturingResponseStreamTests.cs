using System.Text;
using Gateway.Frontend.Proxy;

namespace Gateway.Tests.Pricing;

/// <summary>
/// The server-sent events a stream carries pass through byte for byte, however the upstream's
/// writes cut them, with the usage read on the way and the usage-only chunk hidden when the caller
/// did not ask for it; whole events received together go out together.
/// </summary>
public sealed class CapturingResponseStreamTests
{
    private const string Role = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    private const string Hello = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\u00e9lo\"}}]}\r\n\r\n";
    private const string Comment = ": keep-alive\n\n";
    private const string TwoLines = "event: message\ndata: {\"choices\":[{\"index\":0,\ndata: \"delta\":{\"content\":\" world\"}}]}\n\n";
    private const string UsageChunk = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n";
    private const string Done = "data: [DONE]\n\n";
    private const string Stream = Role + Hello + Comment + TwoLines + UsageChunk + Done;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(4096)]
    public async Task Events_pass_through_whole_however_the_writes_cut_them_and_the_usage_is_read(int cut)
    {
        var (sent, usage, _) = await PassAsync(Stream, cut, hideUsageChunk: false);

        Assert.Equal(Stream, sent);
        Assert.Equal(new UsageReport(12, 3, 4, true), usage.Reported(0));
        Assert.True(usage.SawEnd);
        Assert.Equal("Hel\u00e9lo world", usage.GeneratedText);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public async Task The_usage_chunk_is_hidden_from_a_caller_that_did_not_ask_for_it(int cut)
    {
        var (sent, usage, _) = await PassAsync(Stream, cut, hideUsageChunk: true);

        Assert.Equal(Role + Hello + Comment + TwoLines + Done, sent);
        Assert.Equal(12, usage.InputTokens);
    }

    [Fact]
    public async Task Whole_events_received_in_one_write_go_out_in_one_unless_a_hidden_chunk_splits_them()
    {
        var (_, _, shown) = await PassAsync(Stream, 4096, hideUsageChunk: false);
        Assert.Equal(1, shown);

        var (_, _, hidden) = await PassAsync(Stream, 4096, hideUsageChunk: true);
        Assert.Equal(2, hidden);
    }

    [Fact]
    public async Task An_unterminated_last_event_is_passed_on_at_the_end()
    {
        var (sent, _, _) = await PassAsync(Role + "data: {\"partial\":", 5, hideUsageChunk: false);

        Assert.Equal(Role + "data: {\"partial\":", sent);
    }

    private static async Task<(string Sent, UsageAccumulator Usage, int Writes)> PassAsync(string stream, int cut, bool hideUsageChunk)
    {
        var bytes = Encoding.UTF8.GetBytes(stream);
        var inner = new CountingStream();
        var usage = new UsageAccumulator(ApiDialect.OpenAI);
        await using (var capture = new CapturingResponseStream(inner, usage, () => true, hideUsageChunk, 1 << 20))
        {
            for (var i = 0; i < bytes.Length; i += cut)
            {
                await capture.WriteAsync(bytes.AsMemory(i, Math.Min(cut, bytes.Length - i)));
            }

            await capture.CompleteAsync(CancellationToken.None);
        }

        return (Encoding.UTF8.GetString(inner.ToArray()), usage, inner.Writes);
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
