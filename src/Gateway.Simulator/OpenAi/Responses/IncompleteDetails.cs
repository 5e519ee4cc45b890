namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>Why a response is <c>incomplete</c>; the simulator's only reason is <c>max_output_tokens</c>.</summary>
internal sealed record IncompleteDetails(string Reason)
{
    public static IncompleteDetails MaxOutputTokens { get; } = new("max_output_tokens");
}
