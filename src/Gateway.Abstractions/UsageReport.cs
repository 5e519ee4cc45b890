namespace Gateway;

/// <summary>
/// Token usage of a finished request, as reported by the provider or, failing that, estimated,
/// in one shape whichever provider served it: <see cref="InputTokens"/> is every prompt token
/// (Anthropic's <c>input_tokens</c> plus its cache reads and writes; OpenAI's prompt tokens, which
/// include the cached ones), and <see cref="CachedInputTokens"/> (cache reads),
/// <see cref="CacheWrite5mTokens"/> and <see cref="CacheWrite1hTokens"/> are parts of it.
/// <see cref="OutputTokens"/> includes <see cref="ReasoningTokens"/>, which is shown, not added.
/// </summary>
/// <remarks>
/// The cache writes and reasoning came later, as ids 4 to 6 at the end: a settlement from a
/// front-end that predates them reads as no cache writes, with its writes inside the input.
/// </remarks>
[GenerateSerializer, Immutable, Alias("Gateway.UsageReport")]
public sealed record UsageReport(
    [property: Id(0)] long InputTokens,
    [property: Id(1)] long OutputTokens,
    [property: Id(2)] long CachedInputTokens,
    [property: Id(3)] bool ReportedByProvider,
    [property: Id(4)] long CacheWrite5mTokens = 0,
    [property: Id(5)] long CacheWrite1hTokens = 0,
    [property: Id(6)] long ReasoningTokens = 0);
