using System.Text.Json;
using Gateway.Simulator.Infrastructure;
using Gateway.Simulator.OpenAi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Endpoints;

/// <summary>POST /v1/completions, the legacy text completions API, streamed or not.</summary>
internal sealed class CompletionsEndpoint(
    IOptions<SimulatorOptions> options,
    ModelCatalog catalog,
    SimulatorStats stats,
    TimeProvider timeProvider)
{
    /// <summary>OpenAI's documented default for the legacy completions API.</summary>
    private const int LegacyDefaultMaxTokens = 16;

    private readonly SimulatorOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        stats.Completion();
        var cancellationToken = context.RequestAborted;
        using var document = await RequestJson.ReadObjectAsync(context.Request, cancellationToken);
        var body = document.RootElement;

        var model = RequestedModel.Read(context, body, "you must provide a model parameter");
        var prompt = ReadPrompt(body);
        var stream = RequestJson.OptionalBool(body, "stream");
        var includeUsage = stream
            && body.TryGetProperty("stream_options", out var streamOptions)
            && streamOptions.ValueKind == JsonValueKind.Object
            && RequestJson.OptionalBool(streamOptions, "include_usage");
        // The legacy API writes at most 16 tokens when the request states no max_tokens.
        var limit = RequestJson.OptionalLimit(body, "max_tokens") ?? LegacyDefaultMaxTokens;

        // best_of candidates are generated (and billed) server-side; n of them are returned.
        var choices = RequestJson.OptionalCount(body, "n");
        var bestOf = body.TryGetProperty("best_of", out _) ? RequestJson.OptionalCount(body, "best_of") : choices;
        if (bestOf < choices)
        {
            throw new InvalidSimRequestException("best_of must be greater than or equal to n.", "best_of");
        }

        if (stream && bestOf > 1 && body.TryGetProperty("best_of", out _))
        {
            throw new InvalidSimRequestException("Cannot stream results with best_of greater than 1.", "best_of");
        }
        RequestedModel.EnsureServed(context, model, catalog);

        var promptTokens = SimTokenizer.Count(prompt);
        if (await SimTurn.StartAsync(context, prompt, stream, limit, ProviderErrors.FormatOf(context.Request), _options, stats, timeProvider, cancellationToken) is not var (controls, answer))
        {
            return;
        }

        var finishReason = answer.Truncated ? "length" : "stop";
        var id = Ids.TextCompletion();
        var created = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var usage = OpenAiUsage.Of(promptTokens, answer.Tokens * bestOf);

        if (!stream)
        {
            await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);
            var completion = new TextCompletion(id, created, model, [.. Enumerable.Range(0, choices).Select(i => new TextChoice(answer.Text, i, finishReason))], usage);
            await context.Response.WriteAsJsonAsync(completion, WireJson.OpenAi.TextCompletion, contentType: null, cancellationToken);
            stats.Usage(promptTokens, answer.Tokens * bestOf);
            return;
        }

        var chunkType = includeUsage ? WireJson.OpenAiUsageStream.TextCompletion : WireJson.OpenAi.TextCompletion;
        TextCompletion Chunk(string text, string? finish, int index = 0) => new(id, created, model, [new TextChoice(text, index, finish)], Usage: null);

        await SseWriter.StartAsync(context.Response, cancellationToken);
        var sent = 0;
        var pieces = SimTokenizer.Split(answer.Text, _options.TokensPerChunk).ToList();
        foreach (var (piece, index) in Enumerable.Range(0, choices).SelectMany(i => pieces.Select(p => (p, i))))
        {
            if (sent == controls.CutAfterChunks)
            {
                break;
            }

            if (sent > 0)
            {
                await SimDelay.WaitAsync(timeProvider, controls.ChunkDelayMs, cancellationToken);
            }

            await SseWriter.WriteDataAsync(context.Response, Chunk(piece, null, index), chunkType, cancellationToken);
            if (sent == 0)
            {
                await SimDelay.WaitAsync(timeProvider, controls.StallMs, cancellationToken);
            }

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
            await SseWriter.WriteDataAsync(context.Response, Chunk(string.Empty, finishReason, i), chunkType, cancellationToken);
        }

        if (includeUsage)
        {
            await SseWriter.WriteDataAsync(context.Response, new TextCompletion(id, created, model, [], usage), chunkType, cancellationToken);
        }

        await SseWriter.WriteDoneAsync(context.Response, cancellationToken);
        stats.Usage(promptTokens, answer.Tokens * bestOf);
    }

    /// <summary>A string, or an array holding one string (several prompts in one call are not simulated).</summary>
    private static string ReadPrompt(JsonElement body)
    {
        if (!body.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidSimRequestException("Missing required parameter: 'prompt'.", "prompt");
        }

        return prompt.ValueKind switch
        {
            JsonValueKind.String => prompt.GetString() ?? string.Empty,
            JsonValueKind.Array when prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String => prompt[0].GetString() ?? string.Empty,
            _ => throw new InvalidSimRequestException("Invalid 'prompt': expected a string or an array with one string.", "prompt"),
        };
    }
}
