namespace Gateway.Simulator.OpenAi;

internal sealed record OpenAiUsage(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    PromptTokensDetails PromptTokensDetails,
    CompletionTokensDetails CompletionTokensDetails)
{
    /// <summary>Cached tokens are part of the prompt tokens, reasoning tokens part of the completion tokens, as the API counts them.</summary>
    public static OpenAiUsage Of(int promptTokens, int completionTokens, int cachedTokens = 0, int reasoningTokens = 0) => new(
        promptTokens,
        completionTokens,
        promptTokens + completionTokens,
        new PromptTokensDetails(CachedTokens: Math.Min(cachedTokens, promptTokens), AudioTokens: 0),
        new CompletionTokensDetails(ReasoningTokens: reasoningTokens, AudioTokens: 0, AcceptedPredictionTokens: 0, RejectedPredictionTokens: 0));
}
