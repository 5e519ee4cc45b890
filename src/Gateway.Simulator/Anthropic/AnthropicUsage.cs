using Gateway.Simulator.Infrastructure;

namespace Gateway.Simulator.Anthropic;

/// <summary>
/// Usage as the Messages API reports it: <see cref="InputTokens"/> are only the prompt tokens after the
/// last cache breakpoint; cache reads and writes are counted apart, and the writes once more by TTL in
/// <see cref="CacheCreation"/>. All zero unless a test asks for caching (<c>x-sim-cached-tokens</c>,
/// <c>x-sim-cache-write-5m</c>, <c>x-sim-cache-write-1h</c>), but present as the API sends them.
/// </summary>
internal sealed record AnthropicUsage(int InputTokens, int CacheCreationInputTokens, int CacheReadInputTokens, CacheCreation CacheCreation, int OutputTokens)
{
    public string ServiceTier => "standard";

    public static AnthropicUsage Of(PromptCacheSplit prompt, int outputTokens) => new(
        prompt.Uncached, prompt.Write5m + prompt.Write1h, prompt.Read, new CacheCreation(prompt.Write5m, prompt.Write1h), outputTokens);
}
