namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>The assistant's message: <c>in_progress</c> and empty when a stream adds it, then its text.</summary>
internal sealed record ResponseMessageItem(string Id, string Status, IReadOnlyList<ResponseOutputText> Content) : ResponseOutputItem(Id)
{
    public string Role => "assistant";
}
