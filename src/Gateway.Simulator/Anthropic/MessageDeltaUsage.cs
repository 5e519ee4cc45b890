using Gateway.Simulator.Infrastructure;

namespace Gateway.Simulator.Anthropic;

/// <summary>
/// Cumulative usage at the end of a stream. The API repeats input_tokens and the cache counters here
/// (the SDKs' MessageDeltaUsage declares them, without the by-TTL breakdown); output_tokens is the figure that is new.
/// </summary>
internal sealed record MessageDeltaUsage(int InputTokens, int CacheCreationInputTokens, int CacheReadInputTokens, int OutputTokens)
{
    public static MessageDeltaUsage Of(PromptCacheSplit prompt, int outputTokens) =>
        new(prompt.Uncached, prompt.Write5m + prompt.Write1h, prompt.Read, outputTokens);
}
