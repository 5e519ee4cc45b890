namespace Gateway.Simulator.OpenAi;

internal sealed record OpenAiUsage(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    PromptTokensDetails PromptTokensDetails,
    CompletionTokensDetails CompletionTokensDetails)
{
    public static OpenAiUsage Of(int promptTokens, int completionTokens) => new(
        promptTokens,
        completionTokens,
        promptTokens + completionTokens,
        new PromptTokensDetails(CachedTokens: 0, AudioTokens: 0),
        new CompletionTokensDetails(ReasoningTokens: 0, AudioTokens: 0, AcceptedPredictionTokens: 0, RejectedPredictionTokens: 0));
}
