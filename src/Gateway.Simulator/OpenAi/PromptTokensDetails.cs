namespace Gateway.Simulator.OpenAi;

internal sealed record PromptTokensDetails(int CachedTokens, int AudioTokens);
