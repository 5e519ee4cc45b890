using System.Text;
using Gateway.Frontend.Proxy;

namespace Gateway.Tests.Pricing;

/// <summary>
/// Usage as each API reports it, read into one shape: input is every prompt token (Anthropic's
/// input_tokens exclude its cache traffic; OpenAI's include the cached), and the output includes reasoning.
/// </summary>
public sealed class UsageAccumulatorTests
{
    [Fact]
    public void Anthropic_message_adds_cache_reads_and_writes_to_its_uncached_input()
    {
        var usage = new UsageAccumulator(ApiDialect.Anthropic);
        usage.OnBody(Encoding.UTF8.GetBytes("""
            {"type":"message","usage":{"input_tokens":100,"cache_creation_input_tokens":1500,"cache_read_input_tokens":2000,
             "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":500},"output_tokens":200,"service_tier":"standard"}}
            """));

        // 100 + 2,000 + 1,500 = 3,600 prompt tokens.
        Assert.Equal(new UsageReport(3_600, 200, 2_000, true, CacheWrite5mTokens: 1_000, CacheWrite1hTokens: 500), usage.Reported(0));
    }

    [Fact]
    public void Anthropic_stream_keeps_message_starts_cache_counts_when_message_delta_restates_only_some()
    {
        var usage = new UsageAccumulator(ApiDialect.Anthropic);
        usage.OnEvent("""
            {"type":"message_start","message":{"usage":{"input_tokens":100,"cache_creation_input_tokens":1500,"cache_read_input_tokens":2000,
             "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":500},"output_tokens":1}}}
            """, hideUsageChunk: false);

        // message_delta repeats the totals without the by-TTL breakdown; an older one states only the output.
        usage.OnEvent("""{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":100,"cache_creation_input_tokens":1500,"cache_read_input_tokens":2000,"output_tokens":150}}""", false);
        usage.OnEvent("""{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":200}}""", false);
        usage.OnEvent("""{"type":"message_stop"}""", false);

        Assert.True(usage.SawEnd);
        Assert.Equal(new UsageReport(3_600, 200, 2_000, true, CacheWrite5mTokens: 1_000, CacheWrite1hTokens: 500), usage.Reported(0));
    }

    [Fact]
    public void Anthropic_cache_writes_without_a_breakdown_are_5_minute_writes()
    {
        // An API version without cache_creation: the 300 written are the default TTL's. 10 + 300 = 310 prompt tokens.
        var usage = new UsageAccumulator(ApiDialect.Anthropic);
        usage.OnBody(Encoding.UTF8.GetBytes("""{"usage":{"input_tokens":10,"cache_creation_input_tokens":300,"cache_read_input_tokens":0,"output_tokens":5}}"""));

        Assert.Equal(new UsageReport(310, 5, 0, true, CacheWrite5mTokens: 300), usage.Reported(0));
    }

    [Fact]
    public void OpenAI_chat_counts_cached_tokens_inside_the_prompt_and_reasoning_inside_the_completion()
    {
        var usage = new UsageAccumulator(ApiDialect.OpenAI);
        usage.OnEvent("""
            {"id":"c","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":300,"total_tokens":1300,
             "prompt_tokens_details":{"cached_tokens":400,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":250,"audio_tokens":0}}}
            """, hideUsageChunk: true);

        Assert.Equal(new UsageReport(1_000, 300, 400, true, ReasoningTokens: 250), usage.Reported(0));
    }

    [Fact]
    public void Responses_api_counts_cached_tokens_inside_the_input_and_reasoning_inside_the_output()
    {
        var usage = new UsageAccumulator(ApiDialect.OpenAI);
        usage.OnEvent("""
            {"type":"response.completed","sequence_number":9,"response":{"status":"completed","usage":{"input_tokens":1000,
             "input_tokens_details":{"cached_tokens":400},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":250},"total_tokens":1300}}}
            """, hideUsageChunk: false);

        Assert.True(usage.SawEnd);
        Assert.Equal(new UsageReport(1_000, 300, 400, true, ReasoningTokens: 250), usage.Reported(0));
    }

    [Fact]
    public void Negative_counts_are_ignored()
    {
        var usage = new UsageAccumulator(ApiDialect.Anthropic);
        usage.OnBody(Encoding.UTF8.GetBytes("""{"usage":{"input_tokens":10,"cache_read_input_tokens":-5,"cache_creation_input_tokens":-7,"output_tokens":3}}"""));

        Assert.Equal(new UsageReport(10, 3, 0, true), usage.Reported(0));
    }

    [Fact]
    public void OpenAI_stream_text_is_read_from_every_kind_of_chunk_and_nothing_from_a_broken_one()
    {
        var usage = new UsageAccumulator(ApiDialect.OpenAI);
        string[] events =
        [
            """{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}""",
            """{"id":"c","choices":[{"index":0,"delta":{"content":"caf\u00e9 \"one\""}}]}""",
            """{"choices":[{"index":0,"delta":{"content":null}},{"index":1,"delta":{"content":" two"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":" three"},"text":" not-this"}]}""",
            """{"choices":[{"index":0,"text":" four"}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"content":" lost"}}],""",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" " + new string('x', 600) + "\"}}]}",
            """{"choices":"none"}""",
            "[1,2]",
        ];

        foreach (var data in events)
        {
            Assert.True(usage.OnEvent(data, hideUsageChunk: true));
        }

        Assert.Equal("caf\u00e9 \"one\" two three four" + """[{"index":0,"function":{"arguments":"{}"}}]""" + " " + new string('x', 600), usage.GeneratedText);
        Assert.False(usage.HasUsage);
        Assert.False(usage.SawEnd);
    }

    [Fact]
    public void OpenAI_stream_error_and_usage_chunks_are_still_read_whole()
    {
        var usage = new UsageAccumulator(ApiDialect.OpenAI);

        Assert.True(usage.OnEvent("""{"choices":[{"index":0,"delta":{"content":"hi"}}],"usage":{"prompt_tokens":7,"completion_tokens":2}}""", hideUsageChunk: true));
        Assert.False(usage.OnEvent("""{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}""", hideUsageChunk: true));
        Assert.True(usage.OnEvent("""{"error":{"message":"overloaded"}}""", hideUsageChunk: true));

        Assert.Equal("hi", usage.GeneratedText);
        Assert.Equal(new UsageReport(7, 3, 0, true), usage.Reported(0));
        Assert.Equal("""{"message":"overloaded"}""", usage.StreamError);
    }
}
