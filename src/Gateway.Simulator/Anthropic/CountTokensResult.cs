namespace Gateway.Simulator.Anthropic;

internal sealed record CountTokensResult(int InputTokens);
