using System.Text.Json.Serialization;

namespace Gateway.Simulator.Anthropic;

/// <summary>The prompt tokens written to the cache, by how long they stay (the snake-case policy would drop the underscore before the digit).</summary>
internal sealed record CacheCreation(
    [property: JsonPropertyName("ephemeral_5m_input_tokens")] int Ephemeral5mInputTokens,
    [property: JsonPropertyName("ephemeral_1h_input_tokens")] int Ephemeral1hInputTokens);
