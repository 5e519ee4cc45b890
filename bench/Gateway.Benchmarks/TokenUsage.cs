namespace Gateway.Benchmarks;

/// <summary>An OpenAI usage block, and what it costs at gpt-4o-mini's list price.</summary>
internal readonly record struct TokenUsage(long PromptTokens, long CompletionTokens)
{
    // Micro-dollars per million tokens: $0.15 in, $0.60 out. Kept here rather than read from the gateway's price
    // table, so the check is against the published price and not against the code under test.
    private const long InputMicrosPerMillion = 150_000;
    private const long OutputMicrosPerMillion = 600_000;

    /// <summary>Rounded up to the next micro-dollar, as the gateway charges a fraction of one.</summary>
    public long CostMicros => ((PromptTokens * InputMicrosPerMillion) + (CompletionTokens * OutputMicrosPerMillion) + 999_999) / 1_000_000;
}
