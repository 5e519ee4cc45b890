using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>
/// Responses API bodies and events. Unlike chat, the API writes its empty fields as null
/// (<c>error</c>, <c>incomplete_details</c>, <c>usage</c> while a stream runs), so nulls are kept.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ResponseObject))]
[JsonSerializable(typeof(ResponseLifecycleEvent))]
[JsonSerializable(typeof(OutputItemEvent))]
[JsonSerializable(typeof(ContentPartEvent))]
[JsonSerializable(typeof(OutputTextDeltaEvent))]
[JsonSerializable(typeof(OutputTextDoneEvent))]
[JsonSerializable(typeof(FunctionCallArgumentsDeltaEvent))]
[JsonSerializable(typeof(FunctionCallArgumentsDoneEvent))]
internal sealed partial class ResponsesJsonContext : JsonSerializerContext;
