namespace Gateway.Simulator;

/// <summary>Behaviour of the simulator; bound from the "Simulator" configuration section.</summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>The served ids when nothing else is configured: the hosted models the gateway prices, plus two neutral ones.</summary>
    public static IReadOnlyList<string> DefaultModels { get; } =
    [
        "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini", "text-embedding-3-small",
        "claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "sim-small", "sim-large",

        // Dated snapshots, as the providers serve them next to their aliases.
        "gpt-4o-mini-2024-07-18", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001",
    ];

    /// <summary>
    /// When set, every /v1 request must present it as <c>Authorization: Bearer</c> or <c>x-api-key</c>,
    /// and every Azure (/openai) request as <c>api-key</c> (or a token from GET /msi/token),
    /// so tests can prove the gateway replaced the caller's key with the provider key.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Model ids the simulator serves; any other id gets the provider's "model not found" error.</summary>
    public List<string> Models { get; set; } = [.. DefaultModels];

    /// <summary>Answer length in tokens when neither the request nor a directive asks for one.</summary>
    public int DefaultCompletionTokens { get; set; } = 32;

    /// <summary>Delay before any response byte is sent.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Delay between streamed chunks.</summary>
    public int ChunkDelayMs { get; set; }

    /// <summary>Tokens of answer text carried by one streamed chunk.</summary>
    public int TokensPerChunk { get; set; } = 3;

    /// <summary>Vector length of embeddings when the request does not ask for <c>dimensions</c>.</summary>
    public int DefaultEmbeddingDimensions { get; set; } = 16;

    /// <summary>How many of the latest requests GET /sim/requests keeps, headers and body; 0 keeps none.</summary>
    public int RecordedRequests { get; set; } = 256;

    /// <summary>How much of each recorded body is kept, in bytes; the recorded length is always the whole body's.</summary>
    public int RecordedBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// The secret GET /msi/token expects in <c>X-IDENTITY-HEADER</c>: what a test puts in the
    /// <c>IDENTITY_HEADER</c> environment variable next to <c>IDENTITY_ENDPOINT</c>.
    /// </summary>
    public string IdentityHeader { get; set; } = "sim-identity-header";

    /// <summary>The <c>client_id</c> token responses name when the request asks for none (a system-assigned identity).</summary>
    public string ManagedIdentityClientId { get; set; } = "00000000-0000-0000-0000-00000000a1d1";

    /// <summary>How long an issued token is accepted. Real ones last about a day; a test of expiry sets a few seconds.</summary>
    public int ManagedIdentityTokenLifetimeSeconds { get; set; } = 24 * 60 * 60;
}
