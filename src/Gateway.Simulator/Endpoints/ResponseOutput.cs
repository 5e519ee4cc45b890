using Gateway.Simulator.Infrastructure;
using Gateway.Simulator.OpenAi.Responses;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// What a response holds once generated: reasoning (when a control asks for reasoning tokens), then
/// either a function call or the assistant's message; its usage; and whether <c>max_output_tokens</c>
/// cut it short. Reasoning tokens are output tokens and count against <c>max_output_tokens</c>, as in
/// the API: what they leave is what the message (or the call's arguments) may use.
/// </summary>
internal sealed record ResponseOutput(
    ResponseReasoningItem? Reasoning,
    ResponseMessageItem? Message,
    ResponseFunctionCallItem? Call,
    ResponseUsage Usage,
    bool Incomplete)
{
    public IReadOnlyList<ResponseOutputItem> Items { get; } = new ResponseOutputItem?[] { Reasoning, Message, Call }.OfType<ResponseOutputItem>().ToArray();

    public string Status => Incomplete ? "incomplete" : "completed";

    public IncompleteDetails? IncompleteDetails => Incomplete ? IncompleteDetails.MaxOutputTokens : null;

    /// <param name="answer">The text answer, generated against the whole <c>max_output_tokens</c>.</param>
    /// <param name="desiredTokens">The answer's natural length, to generate it again when reasoning took part of the limit.</param>
    public static ResponseOutput Generate(ResponsesRequest request, int inputTokens, SimControls controls, GeneratedText answer, string seed, int desiredTokens)
    {
        var limit = controls.IgnoreMaxTokens ? null : request.MaxOutputTokens;
        var reasoning = Math.Min(controls.ReasoningTokens, limit ?? int.MaxValue);
        var left = limit - reasoning;
        var reasoningItem = reasoning > 0 ? new ResponseReasoningItem(Ids.OutputItem("rs")) : null;
        ResponseUsage Usage(int visibleTokens) =>
            ResponseUsage.Of(inputTokens, Math.Min(controls.CachedTokens, inputTokens), reasoning + visibleTokens, reasoning);

        if (request.FunctionToCall(controls.Tool) is { } function)
        {
            // A call's output tokens are its arguments' tokens.
            var arguments = FunctionArguments.For(request.Functions[function], seed);
            var cut = left is { } argumentLimit && SimTokenizer.Count(arguments) > argumentLimit;
            if (cut)
            {
                arguments = SimTokenizer.Truncate(arguments, left!.Value);
            }

            var call = new ResponseFunctionCallItem(Ids.OutputItem("fc"), cut ? "incomplete" : "completed", Ids.Call(), function, arguments);
            return new ResponseOutput(reasoningItem, null, call, Usage(SimTokenizer.Count(arguments)), cut);
        }

        if (left == 0)
        {
            // Reasoning used the whole limit: no message at all, as the API answers then.
            return new ResponseOutput(reasoningItem, null, null, Usage(0), Incomplete: true);
        }

        if (reasoning > 0 && left is { } textLimit)
        {
            answer = CompletionText.Generate(seed, desiredTokens, textLimit);
        }

        var message = new ResponseMessageItem(Ids.OutputItem("msg"), answer.Truncated ? "incomplete" : "completed", [new ResponseOutputText(answer.Text)]);
        return new ResponseOutput(reasoningItem, message, null, Usage(answer.Tokens), answer.Truncated);
    }
}
