namespace Gateway.Simulator.OpenAi;

internal sealed record CompletionTokensDetails(int ReasoningTokens, int AudioTokens, int AcceptedPredictionTokens, int RejectedPredictionTokens);
