namespace Gateway.Simulator.Infrastructure;

/// <param name="Text">The answer.</param>
/// <param name="Tokens">The tokenizer's count of <paramref name="Text"/>, which is what usage reports.</param>
/// <param name="Truncated">True when the request's token limit cut the natural answer short.</param>
internal sealed record GeneratedText(string Text, int Tokens, bool Truncated);
