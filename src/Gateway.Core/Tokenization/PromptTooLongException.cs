namespace Gateway.Core.Tokenization;

/// <summary>A prompt has more tokens than the model's context window; counting stopped there.</summary>
public sealed class PromptTooLongException(int limit)
    : Exception($"The prompt has more than {limit} tokens, the model's context window.")
{
    public int Limit { get; } = limit;
}
