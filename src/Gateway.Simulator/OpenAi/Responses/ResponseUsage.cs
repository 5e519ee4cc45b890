namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>
/// Usage as the Responses API reports it: cached tokens are part of <see cref="InputTokens"/>,
/// reasoning tokens part of <see cref="OutputTokens"/>.
/// </summary>
internal sealed record ResponseUsage(
    int InputTokens,
    InputTokensDetails InputTokensDetails,
    int OutputTokens,
    OutputTokensDetails OutputTokensDetails,
    int TotalTokens)
{
    public static ResponseUsage Of(int inputTokens, int cachedTokens, int outputTokens, int reasoningTokens) => new(
        inputTokens, new InputTokensDetails(cachedTokens), outputTokens, new OutputTokensDetails(reasoningTokens), inputTokens + outputTokens);
}
