using System.Text.Json;
using Gateway.Simulator.Infrastructure;
using Gateway.Simulator.OpenAi.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// POST /v1/responses, OpenAI's Responses API, streamed or not: a message (or a function call when a
/// control names one of the request's function tools), with usage, reasoning and cached tokens on demand.
/// </summary>
internal sealed class ResponsesEndpoint(
    IOptions<SimulatorOptions> options,
    ModelCatalog catalog,
    SimulatorStats stats,
    TimeProvider timeProvider)
{
    private static readonly JsonElement NoReasoning = Json("""{"effort":null,"summary":null}""");
    private static readonly JsonElement PlainText = Json("""{"format":{"type":"text"}}""");
    private static readonly JsonElement Auto = Json("\"auto\"");
    private static readonly JsonElement EmptyArray = Json("[]");
    private static readonly JsonElement EmptyObject = Json("{}");
    private static readonly JsonElement One = Json("1.0");

    private readonly SimulatorOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        stats.Response();
        var cancellationToken = context.RequestAborted;
        using var document = await RequestJson.ReadObjectAsync(context.Request, cancellationToken);
        var request = ResponsesRequest.Read(context, document.RootElement, catalog);

        var inputTokens = ResponsesPrompt.Count(request);
        var lastUser = ResponsesPrompt.LastUserText(request.Input);
        if (await SimTurn.StartAsync(context, lastUser, request.Stream, request.MaxOutputTokens, ProviderErrors.FormatOf(context.Request), _options, stats, timeProvider, cancellationToken)
            is not var (controls, answer))
        {
            return;
        }

        var output = ResponseOutput.Generate(request, inputTokens, controls, answer, lastUser, controls.Tokens ?? _options.DefaultCompletionTokens);
        var id = Ids.Response();
        var createdAt = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        ResponseObject Response(string status, IReadOnlyList<ResponseOutputItem> items, ResponseUsage? usage, IncompleteDetails? incomplete = null) =>
            Describe(request, id, createdAt, status, items, usage, incomplete);

        var final = Response(output.Status, output.Items, output.Usage, output.IncompleteDetails);
        if (!request.Stream)
        {
            await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);
            await context.Response.WriteAsJsonAsync(final, WireJson.Responses.ResponseObject, contentType: null, cancellationToken);
            stats.Usage(inputTokens, output.Usage.OutputTokens);
            return;
        }

        var json = WireJson.Responses;
        await SseWriter.StartAsync(context.Response, cancellationToken);
        var events = new ResponseEventWriter(context.Response, controls, stats, timeProvider, cancellationToken);
        var running = Response("in_progress", [], usage: null);
        await events.WriteAsync("response.created", n => new ResponseLifecycleEvent("response.created", running, n), json.ResponseLifecycleEvent);
        await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);
        await events.WriteAsync("response.in_progress", n => new ResponseLifecycleEvent("response.in_progress", running, n), json.ResponseLifecycleEvent);

        for (var index = 0; index < output.Items.Count; index++)
        {
            await StreamItemAsync(events, index, output.Items[index]);
        }

        await events.BeforeEndAsync();
        var end = output.Incomplete ? "response.incomplete" : "response.completed";
        await events.WriteAsync(end, n => new ResponseLifecycleEvent(end, final, n), json.ResponseLifecycleEvent);
        stats.Usage(inputTokens, output.Usage.OutputTokens);
    }

    /// <summary>One output item: added (in progress, empty), its content as deltas, then done.</summary>
    private async Task StreamItemAsync(ResponseEventWriter events, int index, ResponseOutputItem item)
    {
        var json = WireJson.Responses;
        const string Added = "response.output_item.added";
        const string Done = "response.output_item.done";
        switch (item)
        {
            case ResponseMessageItem message:
                var text = message.Content[0].Text;
                await events.WriteAsync(Added, n => new OutputItemEvent(Added, index, message with { Status = "in_progress", Content = [] }, n), json.OutputItemEvent);
                await events.WriteAsync("response.content_part.added",
                    n => new ContentPartEvent("response.content_part.added", message.Id, index, 0, new ResponseOutputText(string.Empty), n), json.ContentPartEvent);
                foreach (var piece in SimTokenizer.Split(text, _options.TokensPerChunk))
                {
                    await events.WriteChunkAsync("response.output_text.delta", n => new OutputTextDeltaEvent(message.Id, index, 0, piece, n), json.OutputTextDeltaEvent);
                }

                await events.WriteAsync("response.output_text.done", n => new OutputTextDoneEvent(message.Id, index, 0, text, n), json.OutputTextDoneEvent);
                await events.WriteAsync("response.content_part.done",
                    n => new ContentPartEvent("response.content_part.done", message.Id, index, 0, message.Content[0], n), json.ContentPartEvent);
                break;
            case ResponseFunctionCallItem call:
                await events.WriteAsync(Added, n => new OutputItemEvent(Added, index, call with { Status = "in_progress", Arguments = string.Empty }, n), json.OutputItemEvent);
                foreach (var piece in SimTokenizer.Split(call.Arguments, _options.TokensPerChunk))
                {
                    await events.WriteChunkAsync("response.function_call_arguments.delta",
                        n => new FunctionCallArgumentsDeltaEvent(call.Id, index, piece, n), json.FunctionCallArgumentsDeltaEvent);
                }

                await events.WriteAsync("response.function_call_arguments.done",
                    n => new FunctionCallArgumentsDoneEvent(call.Id, index, call.Name, call.Arguments, n), json.FunctionCallArgumentsDoneEvent);
                break;
            default:
                // Reasoning has no visible content to stream.
                await events.WriteAsync(Added, n => new OutputItemEvent(Added, index, item, n), json.OutputItemEvent);
                break;
        }

        await events.WriteAsync(Done, n => new OutputItemEvent(Done, index, item, n), json.OutputItemEvent);
    }

    /// <summary>The response object, with the request's settings echoed back as the API does.</summary>
    private static ResponseObject Describe(
        ResponsesRequest request, string id, long createdAt, string status, IReadOnlyList<ResponseOutputItem> items, ResponseUsage? usage, IncompleteDetails? incomplete)
    {
        var body = request.Echo;
        return new ResponseObject(
            id,
            createdAt,
            status,
            incomplete,
            request.Instructions,
            request.MaxOutputTokens,
            request.Model,
            items,
            ParallelToolCalls: !(body.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False),
            Reasoning: Echo(body, "reasoning", NoReasoning),
            Store: !(body.TryGetProperty("store", out var store) && store.ValueKind == JsonValueKind.False),
            Temperature: Echo(body, "temperature", One),
            Text: Echo(body, "text", PlainText),
            ToolChoice: Echo(body, "tool_choice", Auto),
            Tools: Echo(body, "tools", EmptyArray),
            TopP: Echo(body, "top_p", One),
            Truncation: RequestJson.OptionalString(body, "truncation") ?? "disabled",
            usage,
            User: RequestJson.OptionalString(body, "user"),
            Metadata: Echo(body, "metadata", EmptyObject));
    }

    private static JsonElement Echo(JsonElement body, string name, JsonElement fallback) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : fallback;

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
