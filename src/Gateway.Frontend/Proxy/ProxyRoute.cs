using System.Text.Json;
using Gateway.Core.Tokenization;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// What differs between the proxied endpoints: the wire format, how prompt tokens, the output
/// ceiling and the number of outputs are read from the body, and how the body is adjusted before
/// it goes upstream.
/// </summary>
/// <param name="CountPrompt">Prompt tokens of a body for a model, stopping past the given limit.</param>
/// <param name="ReadOutputCeiling">The output tokens the body states as its ceiling, per output; null when it states none.</param>
/// <param name="ChoiceFields">Fields that multiply the output (<c>n</c>, <c>best_of</c>): the upstream bills every output it generates.</param>
/// <param name="ApiDefaultOutputTokens">
/// The API's own output ceiling when a request states none, where it is smaller than the model's
/// maximum; the gateway writes it into the forwarded body so the reservation holds exactly.
/// </param>
/// <param name="Free">
/// The provider generates nothing and charges nothing (token counting): the request is still
/// authenticated, authorized and audited like any other, at a price of zero, whatever the model's.
/// </param>
public sealed record ProxyRoute(
    string Endpoint,
    ApiDialect Dialect,
    Func<PromptTokenCounter, string, JsonElement, int, int> CountPrompt,
    Func<JsonElement, int?> ReadOutputCeiling,
    bool CanStream,
    bool ForceStreamUsage,
    string[] ChoiceFields,
    int? ApiDefaultOutputTokens = null,
    bool Free = false)
{
    /// <summary>The field that states the output ceiling of the routes that take <see cref="ApiDefaultOutputTokens"/>.</summary>
    public const string MaxTokensField = "max_tokens";

    public static readonly ProxyRoute ChatCompletions = new(
        "/v1/chat/completions", ApiDialect.OpenAI,
        (c, model, body, limit) => c.CountChat(model, body, limit),
        // Both fields at once: whichever the upstream honours, the larger one bounds it.
        body => Max(ReadInt(body, "max_completion_tokens"), ReadInt(body, "max_tokens")),
        CanStream: true, ForceStreamUsage: true, ChoiceFields: ["n"]);

    public static readonly ProxyRoute Completions = new(
        "/v1/completions", ApiDialect.OpenAI,
        (c, model, body, limit) => body.TryGetProperty("prompt", out var p) ? c.CountInput(model, p, limit) : 0,
        body => ReadInt(body, MaxTokensField),
        CanStream: true, ForceStreamUsage: true,
        // best_of generates (and bills) best_of outputs and returns n of them.
        ChoiceFields: ["n", "best_of"],
        // The legacy API's own default is 16 tokens.
        ApiDefaultOutputTokens: 16);

    public static readonly ProxyRoute Embeddings = new(
        "/v1/embeddings", ApiDialect.OpenAI,
        (c, model, body, limit) => body.TryGetProperty("input", out var i) ? c.CountInput(model, i, limit) : 0,
        _ => 0,
        CanStream: false, ForceStreamUsage: false, ChoiceFields: []);

    public static readonly ProxyRoute Responses = new(
        "/v1/responses", ApiDialect.OpenAI,
        (c, model, body, limit) => c.CountResponses(model, body, limit),
        // Reasoning tokens are output tokens and count against it too.
        body => ReadInt(body, "max_output_tokens"),
        // The Responses API reports usage in its completed event without being asked.
        CanStream: true, ForceStreamUsage: false, ChoiceFields: []);

    public static readonly ProxyRoute Messages = new(
        "/v1/messages", ApiDialect.Anthropic,
        (c, model, body, limit) => c.CountAnthropic(model, body, limit),
        body => ReadInt(body, MaxTokensField),
        CanStream: true, ForceStreamUsage: false, ChoiceFields: []);

    /// <summary>Anthropic's token counting: free at the provider, so reserved and charged at zero, and audited.</summary>
    public static readonly ProxyRoute CountTokens = new(
        "/v1/messages/count_tokens", ApiDialect.Anthropic,
        (c, model, body, limit) => c.CountAnthropic(model, body, limit),
        _ => 0,
        CanStream: false, ForceStreamUsage: false, ChoiceFields: [], Free: true);

    /// <summary>
    /// How many outputs the request asks the upstream to generate: the largest of its choice fields,
    /// 1 when it states none. Null with an error when a field is not an integer from 1 to <paramref name="max"/>.
    /// </summary>
    public (int Outputs, string? Error) ReadOutputs(JsonElement body, int max)
    {
        var outputs = 1;
        foreach (var field in ChoiceFields)
        {
            if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n) || n < 1 || n > max)
            {
                return (0, $"'{field}' must be an integer from 1 to {max} on this gateway; each output is billed, so the reservation is made for all of them.");
            }

            outputs = Math.Max(outputs, n);
        }

        return (outputs, null);
    }

    private static int? Max(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static int? ReadInt(JsonElement body, string property) =>
        body.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0 ? n : null;
}
