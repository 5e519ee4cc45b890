namespace Gateway.Simulator.OpenAi.Responses;

internal sealed record OutputTokensDetails(int ReasoningTokens);
