namespace Gateway.Simulator.Anthropic;

/// <summary>Nothing is ever cached here, so the cache counters are always zero, but present as the API sends them.</summary>
internal sealed record AnthropicUsage(int InputTokens, int OutputTokens)
{
    public int CacheCreationInputTokens => 0;

    public int CacheReadInputTokens => 0;

    public string ServiceTier => "standard";
}
