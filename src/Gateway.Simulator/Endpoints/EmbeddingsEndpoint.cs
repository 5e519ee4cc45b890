using System.Runtime.InteropServices;
using System.Text.Json;
using Gateway.Simulator.Infrastructure;
using Gateway.Simulator.OpenAi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Endpoints;

/// <summary>POST /v1/embeddings: unit vectors derived from each input's text, so equal inputs embed equally.</summary>
internal sealed class EmbeddingsEndpoint(
    IOptions<SimulatorOptions> options,
    ModelCatalog catalog,
    SimulatorStats stats,
    TimeProvider timeProvider)
{
    private const int MaxDimensions = 8192;
    private const int MaxInputs = 2048;

    private readonly SimulatorOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        stats.Embedding();
        var cancellationToken = context.RequestAborted;
        using var document = await RequestJson.ReadObjectAsync(context.Request, cancellationToken);
        var body = document.RootElement;

        var model = RequestedModel.Read(context, body, "you must provide a model parameter");
        var inputs = ReadInputs(body);
        var dimensions = RequestJson.OptionalInt(body, "dimensions") ?? _options.DefaultEmbeddingDimensions;
        if (dimensions is < 1 or > MaxDimensions)
        {
            throw new InvalidSimRequestException($"Invalid 'dimensions': expected a value between 1 and {MaxDimensions}.", "dimensions");
        }

        var format = RequestJson.OptionalString(body, "encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
        {
            throw new InvalidSimRequestException("Invalid 'encoding_format': expected 'float' or 'base64'.", "encoding_format");
        }

        RequestedModel.EnsureServed(context, model, catalog);

        var controls = SimControls.Resolve(context.Request, inputs[^1].Text, _options);
        await SimDelay.WaitAsync(timeProvider, controls.LatencyMs + controls.StallMs, cancellationToken);
        if (controls.ErrorStatus is { } status)
        {
            await ProviderErrors.WriteAsync(context, ProviderErrors.FormatOf(context.Request), status);
            return;
        }

        var items = new EmbeddingItem[inputs.Count];
        var promptTokens = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = Vector(inputs[i].Text, dimensions);
            items[i] = new EmbeddingItem(i, format == "base64" ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : vector);
            promptTokens += inputs[i].Tokens;
        }

        var list = new EmbeddingList(items, model, new EmbeddingUsage(promptTokens, promptTokens));
        await context.Response.WriteAsJsonAsync(list, WireJson.OpenAi.EmbeddingList, contentType: null, cancellationToken);
        stats.Usage(promptTokens, 0);
    }

    /// <summary>Strings, or token arrays (which count as their own length and embed by their ids).</summary>
    private static List<(string Text, int Tokens)> ReadInputs(JsonElement body)
    {
        if (!body.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidSimRequestException("Missing required parameter: 'input'.", "input");
        }

        var inputs = new List<(string Text, int Tokens)>();
        if (input.ValueKind == JsonValueKind.String)
        {
            inputs.Add(Text(input));
        }
        else if (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() is > 0 and <= MaxInputs)
        {
            if (input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
            {
                inputs.Add(TokenIds(input));
            }
            else
            {
                foreach (var item in input.EnumerateArray())
                {
                    inputs.Add(item.ValueKind switch
                    {
                        JsonValueKind.String => Text(item),
                        JsonValueKind.Array when item.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number) => TokenIds(item),
                        _ => throw new InvalidSimRequestException("Invalid 'input': expected strings or arrays of token ids.", "input"),
                    });
                }
            }
        }
        else
        {
            throw new InvalidSimRequestException($"Invalid 'input': expected a string or an array of 1 to {MaxInputs} items.", "input");
        }

        return inputs;

        static (string, int) Text(JsonElement e)
        {
            var text = e.GetString() ?? string.Empty;
            return (text, SimTokenizer.Count(text));
        }

        static (string, int) TokenIds(JsonElement e) => (string.Join(',', e.EnumerateArray().Select(n => n.GetRawText())), e.GetArrayLength());
    }

    private static float[] Vector(string text, int dimensions)
    {
        var random = new DeterministicRandom(StableHash.Of(text));
        var vector = new float[dimensions];
        var sumOfSquares = 0.0;
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = random.NextSignedUnit();
            sumOfSquares += vector[i] * vector[i];
        }

        // Real embeddings are unit length, and cosine-similarity code in tests may rely on it.
        var norm = (float)Math.Sqrt(sumOfSquares);
        if (norm > 0)
        {
            for (var i = 0; i < dimensions; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }
}
