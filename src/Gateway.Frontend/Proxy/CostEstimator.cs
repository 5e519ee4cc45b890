using System.Text.Json;
using Gateway.Core.Pricing;
using Gateway.Core.Tokenization;
using Gateway.Frontend.Pricing;
using Gateway.Frontend.Upstreams;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Step 3 of the request path: the worst-case cost of a request, from its prompt counted by a real
/// tokenizer (no further than the model's context window) and its output ceiling (stated, else the
/// API's default written into the body, else the model's maximum; never more than the model's
/// maximum) times the outputs it asks for (<c>n</c>, <c>best_of</c>), the prompt at the dearest
/// input-side rate it can be billed at (cache writes included, for Anthropic). An alias is priced as the model its route names.
/// </summary>
public sealed class CostEstimator(PriceCatalog catalog, PromptTokenCounter tokens, UpstreamRouter router, IOptions<FrontendOptions> options)
{
    /// <summary>The longest model name a request may give (OpenAI's limit on its string parameters; model ids are far shorter).</summary>
    public const int MaxModelLength = 256;

    /// <summary>The estimate, or the error code and message of a 400 that refuses the request.</summary>
    /// <param name="raw">The body's bytes, searched for Anthropic's <c>cache_control</c> markers.</param>
    public (CostEstimate? Estimate, string? Code, string? Message) Estimate(ProxyRoute route, JsonElement root, ReadOnlySpan<byte> raw = default)
    {
        var o = options.Value;
        var requested = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out var modelElement) && modelElement.ValueKind == JsonValueKind.String
            ? modelElement.GetString()
            : null;
        if (string.IsNullOrWhiteSpace(requested))
        {
            return (null, "missing_model", "You must provide a model parameter.");
        }

        if (requested.Length > MaxModelLength)
        {
            // Its name goes into the ledger row of the refusal that would follow (no such model is
            // priced), and a Table property holds at most 32K characters.
            return (null, "string_above_max_length",
                $"Invalid 'model': string too long. Expected a string with maximum length {MaxModelLength}, but got a string with length {requested.Length} instead.");
        }

        var model = router.Resolve(requested);

        // One snapshot for the whole estimate; the price read here travels with the request from now on.
        var prices = catalog.Current;
        var streaming = route.CanStream && root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (route.Free)
        {
            return (Free(prices, route, model, root), null, null);
        }

        if (!prices.TryGet(model, out var entry))
        {
            return (new CostEstimate(model, streaming, null, 0, 0, false, 0, null), null, null);
        }

        var (outputs, outputsError) = route.ReadOutputs(root, o.MaxOutputsPerRequest);
        if (outputsError is not null)
        {
            return (null, "invalid_value", outputsError);
        }

        var contextWindow = entry.ContextWindow ?? o.DefaultContextWindow;
        int promptTokens;
        try
        {
            promptTokens = route.CountPrompt(tokens, model, root, contextWindow);
        }
        catch (PromptTooLongException ex)
        {
            return (null, "context_length_exceeded",
                $"This model's maximum context length is {ex.Limit} tokens, and your prompt has more. Please reduce the length of the messages.");
        }

        var stated = route.ReadOutputCeiling(root);
        var injected = stated is null ? route.ApiDefaultOutputTokens : null;
        var perOutput = stated ?? injected ?? entry.MaxOutputTokens ?? o.DefaultOutputCeiling;

        // The upstream cannot write more than the model's maximum, so more is never reserved.
        if (entry.MaxOutputTokens is { } max && perOutput > max)
        {
            perOutput = max;
        }

        var ceiling = (int)Math.Min(int.MaxValue, (long)perOutput * outputs);
        var price = entry.Price;

        // Every prompt token at the dearest rate it can settle at. Anthropic writes a cache only at a
        // cache_control breakpoint, at 1.25 times the input price for 5 minutes and twice for an hour
        // ("ttl": "1h"); a body naming neither is reserved at the input price. OpenAI bills no cache writes.
        var (cacheWrites, oneHour) = route.Dialect == ApiDialect.Anthropic ? CacheWrites(raw) : (false, false);
        var reserve = price.WorstCaseCost(promptTokens, ceiling, cacheWrites, oneHour);
        return (new CostEstimate(model, streaming, price, promptTokens, ceiling, stated is null && injected is null, reserve, injected), null, null);
    }

    /// <summary>
    /// Whether an Anthropic body may write caches, and may write them for an hour. Over-approximated
    /// on purpose (a "1h" anywhere in a body with a breakpoint counts): a reservation may be too
    /// large, never too small. Without the raw bytes, or with a <c>\u</c> escape anywhere (which
    /// could spell either marker unseen), assume the worst.
    /// </summary>
    private static (bool CacheWrites, bool OneHour) CacheWrites(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty || raw.IndexOf("\\u"u8) >= 0)
        {
            return (true, true);
        }

        var writes = raw.IndexOf("\"cache_control\""u8) >= 0;
        return (writes, writes && raw.IndexOf("\"1h\""u8) >= 0);
    }

    /// <summary>
    /// A request the provider does not charge for: nothing reserved, a zero price on the row, and the
    /// prompt counted for the row only (past the model's context window it is counted to the window:
    /// counting tokens is how a caller finds out its prompt is too long).
    /// </summary>
    private CostEstimate Free(PriceTable prices, ProxyRoute route, string model, JsonElement root)
    {
        var window = prices.TryGet(model, out var entry) ? entry.ContextWindow ?? options.Value.DefaultContextWindow : options.Value.DefaultContextWindow;
        int promptTokens;
        try
        {
            promptTokens = route.CountPrompt(tokens, model, root, window);
        }
        catch (PromptTooLongException ex)
        {
            promptTokens = ex.Limit;
        }

        return new CostEstimate(model, false, ModelPrice.Free, promptTokens, 0, false, 0, null);
    }
}
