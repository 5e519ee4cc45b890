namespace Gateway.Simulator.OpenAi;

/// <summary><c>{"error":{"message","type","param","code"}}</c>, OpenAI's error envelope.</summary>
internal sealed record OpenAiErrorBody(OpenAiError Error);
