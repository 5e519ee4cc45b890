using System.Text.Json;
using Gateway.Simulator.Infrastructure;
using Gateway.Simulator.OpenAi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Endpoints;

/// <summary>POST /v1/chat/completions, streamed or not.</summary>
internal sealed class ChatCompletionsEndpoint(
    IOptions<SimulatorOptions> options,
    ModelCatalog catalog,
    SimulatorStats stats,
    TimeProvider timeProvider)
{
    private readonly SimulatorOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        stats.ChatCompletion();
        var cancellationToken = context.RequestAborted;
        using var document = await RequestJson.ReadObjectAsync(context.Request, cancellationToken);
        var body = document.RootElement;

        var model = RequestedModel.Read(context, body, "you must provide a model parameter");
        var messages = ChatPrompt.RequireMessages(body, "Missing required parameter: 'messages'.");
        var stream = RequestJson.OptionalBool(body, "stream");
        var includeUsage = stream
            && body.TryGetProperty("stream_options", out var streamOptions)
            && streamOptions.ValueKind == JsonValueKind.Object
            && RequestJson.OptionalBool(streamOptions, "include_usage");

        // max_completion_tokens replaced max_tokens; a client sending both means the newer one.
        var limit = RequestJson.OptionalLimit(body, "max_completion_tokens") ?? RequestJson.OptionalLimit(body, "max_tokens");

        // n choices, each its own generation (the same deterministic text here), each billed.
        var choices = RequestJson.OptionalCount(body, "n");
        RequestedModel.EnsureServed(context, model, catalog);

        var promptTokens = ChatPrompt.Count(messages);
        var lastUser = ChatPrompt.LastUserText(messages);
        if (await SimTurn.StartAsync(context, lastUser, stream, limit, ProviderErrors.FormatOf(context.Request), _options, stats, timeProvider, cancellationToken) is not var (controls, answer))
        {
            return;
        }

        // Reasoning comes first and counts against the limit like the answer; the answer gets what is left.
        var effectiveLimit = controls.IgnoreMaxTokens ? null : limit;
        var reasoning = Math.Min(controls.ReasoningTokens, effectiveLimit ?? int.MaxValue);
        if (reasoning > 0 && effectiveLimit is { } outputLimit)
        {
            answer = CompletionText.Generate(lastUser, controls.Tokens ?? _options.DefaultCompletionTokens, outputLimit - reasoning);
        }

        var finishReason = answer.Truncated ? "length" : "stop";
        var id = Ids.ChatCompletion();
        var created = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var completionTokens = (reasoning + answer.Tokens) * choices;
        var usage = OpenAiUsage.Of(promptTokens, completionTokens, controls.CachedTokens, reasoning * choices);

        if (!stream)
        {
            await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);
            var completion = new ChatCompletion(
                id, created, model, [.. Enumerable.Range(0, choices).Select(i => new ChatChoice(i, new ChatResponseMessage(answer.Text), finishReason))], usage);
            await context.Response.WriteAsJsonAsync(completion, WireJson.OpenAi.ChatCompletion, contentType: null, cancellationToken);
            stats.Usage(promptTokens, completionTokens);
            return;
        }

        var chunkType = includeUsage ? WireJson.OpenAiUsageStream.ChatCompletionChunk : WireJson.OpenAi.ChatCompletionChunk;
        ChatCompletionChunk Chunk(ChunkDelta delta, string? finish, int index = 0) => new(id, created, model, [new ChunkChoice(index, delta, finish)], Usage: null);

        await SseWriter.StartAsync(context.Response, cancellationToken);
        for (var i = 0; i < choices; i++)
        {
            await SseWriter.WriteDataAsync(context.Response, Chunk(new ChunkDelta("assistant", string.Empty), null, i), chunkType, cancellationToken);
        }

        await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);

        var sent = 0;
        var pieces = SimTokenizer.Split(answer.Text, _options.TokensPerChunk).ToList();
        foreach (var (piece, index) in Enumerable.Range(0, choices).SelectMany(i => pieces.Select(p => (p, i))))
        {
            if (sent == controls.CutAfterChunks)
            {
                break;
            }

            await SimDelay.WaitAsync(timeProvider, controls.ChunkDelayMs, cancellationToken);
            await SseWriter.WriteDataAsync(context.Response, Chunk(new ChunkDelta(null, piece), null, index), chunkType, cancellationToken);
            sent++;
        }

        if (controls.CutAfterChunks is not null)
        {
            stats.Cut();
            throw new StreamCutException(sent);
        }

        await SimDelay.WaitAsync(timeProvider, controls.ChunkDelayMs, cancellationToken);
        for (var i = 0; i < choices; i++)
        {
            await SseWriter.WriteDataAsync(context.Response, Chunk(new ChunkDelta(null, null), finishReason, i), chunkType, cancellationToken);
        }

        if (includeUsage)
        {
            await SseWriter.WriteDataAsync(context.Response, new ChatCompletionChunk(id, created, model, [], usage), chunkType, cancellationToken);
        }

        await SseWriter.WriteDoneAsync(context.Response, cancellationToken);
        stats.Usage(promptTokens, completionTokens);
    }
}
