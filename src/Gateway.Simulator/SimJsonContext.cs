using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Simulator;

/// <summary>The simulator's own endpoints, in the camelCase usual for .NET services rather than a provider's snake_case.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SimulatorStatsSnapshot))]
[JsonSerializable(typeof(RecordedRequest))]
[JsonSerializable(typeof(IReadOnlyList<RecordedRequest>))]
internal sealed partial class SimJsonContext : JsonSerializerContext;
