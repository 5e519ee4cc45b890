using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Core.Tokenization;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// What differs between the proxied endpoints: the wire format, how prompt tokens and the output
/// ceiling are read from the body, and how the body is adjusted before it goes upstream.
/// </summary>
public sealed record ProxyRoute(
    string Endpoint,
    ApiDialect Dialect,
    Func<PromptTokenCounter, string, JsonElement, int> CountPrompt,
    Func<JsonElement, int?> ReadOutputCeiling,
    bool CanStream,
    bool ForceStreamUsage)
{
    public static readonly ProxyRoute ChatCompletions = new(
        "/v1/chat/completions", ApiDialect.OpenAI,
        (c, model, body) => c.CountChat(model, body),
        body => ReadInt(body, "max_completion_tokens") ?? ReadInt(body, "max_tokens"),
        CanStream: true, ForceStreamUsage: true);

    public static readonly ProxyRoute Completions = new(
        "/v1/completions", ApiDialect.OpenAI,
        (c, model, body) => body.TryGetProperty("prompt", out var p) ? c.CountInput(model, p) : 0,
        // The legacy API's own default is 16 tokens.
        body => ReadInt(body, "max_tokens") ?? 16,
        CanStream: true, ForceStreamUsage: true);

    public static readonly ProxyRoute Embeddings = new(
        "/v1/embeddings", ApiDialect.OpenAI,
        (c, model, body) => body.TryGetProperty("input", out var i) ? c.CountInput(model, i) : 0,
        _ => 0,
        CanStream: false, ForceStreamUsage: false);

    public static readonly ProxyRoute Responses = new(
        "/v1/responses", ApiDialect.OpenAI,
        (c, model, body) => (body.TryGetProperty("input", out var i) ? c.CountInput(model, i) : 0)
            + (body.TryGetProperty("instructions", out var s) ? c.CountInput(model, s) : 0),
        body => ReadInt(body, "max_output_tokens"),
        // The Responses API reports usage in its completed event without being asked.
        CanStream: true, ForceStreamUsage: false);

    public static readonly ProxyRoute Messages = new(
        "/v1/messages", ApiDialect.Anthropic,
        (c, model, body) => c.CountAnthropic(model, body),
        body => ReadInt(body, "max_tokens"),
        CanStream: true, ForceStreamUsage: false);

    /// <summary>
    /// For OpenAI streams, asks for the usage chunk (which only arrives when requested) and reports
    /// whether the caller had asked for it too, so the gateway can hide it from callers that didn't.
    /// </summary>
    public static bool ForceIncludeUsage(JsonObject body)
    {
        var options = body["stream_options"] as JsonObject;
        var callerAsked = options?["include_usage"] is JsonValue v && v.TryGetValue<bool>(out var asked) && asked;
        if (options is null)
        {
            options = [];
            body["stream_options"] = options;
        }

        options["include_usage"] = true;
        return callerAsked;
    }

    private static int? ReadInt(JsonElement body, string property) =>
        body.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0 ? n : null;
}
