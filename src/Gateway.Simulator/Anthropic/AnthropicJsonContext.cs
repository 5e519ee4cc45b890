using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

/// <summary>Anthropic bodies; the API writes its nulls (stop_reason, stop_sequence) rather than omitting them.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AnthropicMessage))]
[JsonSerializable(typeof(MessageStartEvent))]
[JsonSerializable(typeof(ContentBlockStartEvent))]
[JsonSerializable(typeof(PingEvent))]
[JsonSerializable(typeof(ContentBlockDeltaEvent))]
[JsonSerializable(typeof(ContentBlockStopEvent))]
[JsonSerializable(typeof(MessageDeltaEvent))]
[JsonSerializable(typeof(MessageStopEvent))]
[JsonSerializable(typeof(AnthropicErrorBody))]
[JsonSerializable(typeof(CountTokensResult))]
[JsonSerializable(typeof(AnthropicModelList))]
internal sealed partial class AnthropicJsonContext : JsonSerializerContext;
