using System.Text.Json.Serialization;

namespace Gateway.Simulator.Azure;

/// <summary>Azure's own bodies (front-door errors, the managed-identity token endpoint), snake_case like the rest of the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AzureErrorBody))]
[JsonSerializable(typeof(ManagedIdentityTokenResponse))]
[JsonSerializable(typeof(ManagedIdentityError))]
internal sealed partial class AzureJsonContext : JsonSerializerContext;
