using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Simulator.Anthropic;
using Gateway.Simulator.Azure;
using Gateway.Simulator.OpenAi;
using Gateway.Simulator.OpenAi.Responses;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// The serializer contexts used on the wire. The providers write characters such as backticks and
/// quotes in error messages literally; the default encoder would send \u0060, which parses the same
/// but breaks a test that searches the raw body for the provider's message.
/// </summary>
internal static class WireJson
{
    public static OpenAiJsonContext OpenAi { get; } = new(Relaxed(OpenAiJsonContext.Default.Options));

    public static OpenAiUsageStreamJsonContext OpenAiUsageStream { get; } = new(Relaxed(OpenAiUsageStreamJsonContext.Default.Options));

    public static ResponsesJsonContext Responses { get; } = new(Relaxed(ResponsesJsonContext.Default.Options));

    public static AnthropicJsonContext Anthropic { get; } = new(Relaxed(AnthropicJsonContext.Default.Options));

    public static AzureJsonContext Azure { get; } = new(Relaxed(AzureJsonContext.Default.Options));

    private static JsonSerializerOptions Relaxed(JsonSerializerOptions generated) => new(generated)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    };
}
