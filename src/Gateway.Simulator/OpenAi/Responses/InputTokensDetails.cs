namespace Gateway.Simulator.OpenAi.Responses;

internal sealed record InputTokensDetails(int CachedTokens);
