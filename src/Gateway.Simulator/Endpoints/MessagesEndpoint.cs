using System.Text.Json;
using Gateway.Simulator.Anthropic;
using Gateway.Simulator.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Endpoints;

/// <summary>POST /v1/messages (streamed or not) and POST /v1/messages/count_tokens, Anthropic's Messages API.</summary>
internal sealed class MessagesEndpoint(
    IOptions<SimulatorOptions> options,
    ModelCatalog catalog,
    SimulatorStats stats,
    TimeProvider timeProvider)
{
    private readonly SimulatorOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        stats.Message();
        var cancellationToken = context.RequestAborted;
        using var document = await RequestJson.ReadObjectAsync(context.Request, cancellationToken);
        var body = document.RootElement;

        var (model, messages, system) = ReadPrompt(body);
        var maxTokens = RequestJson.OptionalLimit(body, "max_tokens")
            ?? throw new InvalidSimRequestException("max_tokens: Field required", "max_tokens");
        var stream = RequestJson.OptionalBool(body, "stream");
        RequireServed(model);

        var inputTokens = ChatPrompt.Count(messages, system);
        var lastUser = ChatPrompt.LastUserText(messages);
        if (await SimTurn.StartAsync(context, lastUser, stream, maxTokens, ProviderFormat.Anthropic, _options, stats, timeProvider, cancellationToken) is not var (controls, answer))
        {
            return;
        }

        var stopReason = answer.Truncated ? "max_tokens" : "end_turn";
        var id = Ids.Message();
        var prompt = PromptCacheSplit.Of(inputTokens, controls);

        if (!stream)
        {
            await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);
            var message = new AnthropicMessage(id, model, [new AnthropicTextBlock(answer.Text)], stopReason, AnthropicUsage.Of(prompt, answer.Tokens));
            await context.Response.WriteAsJsonAsync(message, WireJson.Anthropic.AnthropicMessage, contentType: null, cancellationToken);
            stats.Usage(inputTokens, answer.Tokens);
            return;
        }

        var json = WireJson.Anthropic;
        var response = context.Response;
        await SseWriter.StartAsync(response, cancellationToken);

        // The API reports a token of output already at message_start; the final count comes in message_delta.
        var start = new AnthropicMessage(id, model, [], StopReason: null, AnthropicUsage.Of(prompt, outputTokens: 1));
        await SseWriter.WriteEventAsync(response, "message_start", new MessageStartEvent(start), json.MessageStartEvent, cancellationToken);
        await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);
        await SseWriter.WriteEventAsync(response, "content_block_start", new ContentBlockStartEvent(0, new AnthropicTextBlock(string.Empty)), json.ContentBlockStartEvent, cancellationToken);
        await SseWriter.WriteEventAsync(response, "ping", PingEvent.Instance, json.PingEvent, cancellationToken);

        var sent = 0;
        foreach (var piece in SimTokenizer.Split(answer.Text, _options.TokensPerChunk))
        {
            if (sent == controls.CutAfterChunks)
            {
                break;
            }

            await SimDelay.WaitAsync(timeProvider, controls.ChunkDelayMs, cancellationToken);
            await SseWriter.WriteEventAsync(response, "content_block_delta", new ContentBlockDeltaEvent(0, new TextDelta(piece)), json.ContentBlockDeltaEvent, cancellationToken);
            sent++;
        }

        if (controls.CutAfterChunks is not null)
        {
            stats.Cut();
            throw new StreamCutException(sent);
        }

        await SimDelay.WaitAsync(timeProvider, controls.ChunkDelayMs, cancellationToken);
        await SseWriter.WriteEventAsync(response, "content_block_stop", new ContentBlockStopEvent(0), json.ContentBlockStopEvent, cancellationToken);
        var delta = new MessageDeltaEvent(new MessageDelta(stopReason), MessageDeltaUsage.Of(prompt, answer.Tokens));
        await SseWriter.WriteEventAsync(response, "message_delta", delta, json.MessageDeltaEvent, cancellationToken);
        await SseWriter.WriteEventAsync(response, "message_stop", MessageStopEvent.Instance, json.MessageStopEvent, cancellationToken);
        stats.Usage(inputTokens, answer.Tokens);
    }

    /// <summary>POST /v1/messages/count_tokens: the input_tokens the same body would report on /v1/messages.</summary>
    public async Task CountTokensAsync(HttpContext context)
    {
        stats.CountTokens();
        var cancellationToken = context.RequestAborted;
        using var document = await RequestJson.ReadObjectAsync(context.Request, cancellationToken);
        var (model, messages, system) = ReadPrompt(document.RootElement);
        RequireServed(model);
        await context.Response.WriteAsJsonAsync(
            new CountTokensResult(ChatPrompt.Count(messages, system)), WireJson.Anthropic.CountTokensResult, contentType: null, cancellationToken);
    }

    private static (string Model, JsonElement Messages, JsonElement? System) ReadPrompt(JsonElement body)
    {
        var model = RequestJson.RequiredString(body, "model", "model: Field required");
        var messages = ChatPrompt.RequireMessages(body, "messages: Field required");
        JsonElement? system = null;
        if (body.TryGetProperty("system", out var systemValue) && systemValue.ValueKind != JsonValueKind.Null)
        {
            system = systemValue.ValueKind is JsonValueKind.String or JsonValueKind.Array
                ? systemValue
                : throw new InvalidSimRequestException("system: Input should be a valid string or a list of text blocks", "system");
        }

        return (model, messages, system);
    }

    private void RequireServed(string model)
    {
        if (!catalog.Contains(model))
        {
            throw new InvalidSimRequestException($"model: {model}", "model", StatusCodes.Status404NotFound);
        }
    }
}
