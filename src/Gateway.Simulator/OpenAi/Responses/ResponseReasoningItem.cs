namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>
/// The reasoning a reasoning model did before answering; its tokens are billed as output. Like the
/// API without <c>reasoning.summary</c>, it carries no summary text.
/// </summary>
internal sealed record ResponseReasoningItem(string Id) : ResponseOutputItem(Id)
{
    public IReadOnlyList<string> Summary => [];
}
