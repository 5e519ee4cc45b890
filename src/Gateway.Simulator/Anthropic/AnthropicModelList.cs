namespace Gateway.Simulator.Anthropic;

internal sealed record AnthropicModelList(IReadOnlyList<AnthropicModelInfo> Data, bool HasMore, string? FirstId, string? LastId);
