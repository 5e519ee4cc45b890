namespace Gateway.Simulator.Anthropic;

/// <summary>
/// Cumulative usage at the end of a stream. The API repeats input_tokens and the cache counters here
/// (the SDKs' MessageDeltaUsage declares them); output_tokens is the figure that is new.
/// </summary>
internal sealed record MessageDeltaUsage(int InputTokens, int OutputTokens)
{
    public int CacheCreationInputTokens => 0;

    public int CacheReadInputTokens => 0;
}
