namespace Gateway.Simulator.OpenAi;

internal sealed record EmbeddingUsage(int PromptTokens, int TotalTokens);
