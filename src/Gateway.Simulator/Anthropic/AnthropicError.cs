namespace Gateway.Simulator.Anthropic;

internal sealed record AnthropicError(string Type, string Message);
