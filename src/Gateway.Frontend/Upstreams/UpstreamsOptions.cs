namespace Gateway.Frontend.Upstreams;

/// <summary>
/// The upstreams, by name, under <c>Gateway:Upstreams</c>. <c>OpenAI</c> and <c>Anthropic</c>
/// always exist: a request for a model without a route in <c>Gateway:Routes</c> goes to the one
/// of its API's format. Any number of others (<see cref="Named"/>) serve the routes (docs/upstreams.md).
/// </summary>
public sealed class UpstreamsOptions
{
    public const string Section = "Gateway:Upstreams";

    /// <summary>
    /// What Claude Code (2.1.328, with an API key and <c>ANTHROPIC_BASE_URL</c>) sends in
    /// <c>anthropic-beta</c>, recorded from its requests, and <c>extended-cache-ttl-2025-04-11</c>.
    /// Each is priced by the price table as it stands: thinking and effort are output tokens, context
    /// management and tool use change what is sent, not the token rates (programmatic tool calling
    /// under advanced-tool-use can add code-execution container time, which the gateway does not
    /// price), and 1-hour cache writes are charged at their own rate (<c>cacheWrite1h</c>), which the
    /// reservation covers. Left out on purpose: <c>context-1m-2025-08-07</c> (long-context rates,
    /// which the price table does not hold) and <c>oauth-2025-04-20</c> (subscription sign-in, which a
    /// gateway key is not).
    /// </summary>
    public static IReadOnlyList<string> DefaultAnthropicBetas { get; } =
    [
        "claude-code-20250219",
        "interleaved-thinking-2025-05-14",
        "context-management-2025-06-27",
        "effort-2025-11-24",
        "advanced-tool-use-2025-11-20",
        "thinking-token-count-2026-05-13",
        "per-turn-control-2026-07-01",
        "mid-conversation-tool-changes-2026-07-01",
        "extended-cache-ttl-2025-04-11",
    ];

    /// <summary>
    /// <c>OpenAI-Beta</c> values allowed by default. The official SDKs send <c>assistants=v2</c> on
    /// Assistants API calls, and some tools set it on every call; the gateway routes no Assistants
    /// endpoint, so it changes nothing here and costs nothing. Codex (0.169.0, API key, Responses
    /// API over HTTPS) sends no <c>OpenAI-Beta</c> at all.
    /// </summary>
    public static IReadOnlyList<string> DefaultOpenAIBetas { get; } = ["assistants=v2"];

    public UpstreamOptions OpenAI { get; set; } = new() { BaseUrl = "https://api.openai.com", AllowedBetas = [.. DefaultOpenAIBetas] };

    public UpstreamOptions Anthropic { get; set; } = new() { BaseUrl = "https://api.anthropic.com", AllowedBetas = [.. DefaultAnthropicBetas] };

    /// <summary>Every upstream but <see cref="OpenAI"/> and <see cref="Anthropic"/>, by name (names compare ignoring case).</summary>
    public Dictionary<string, UpstreamOptions> Named { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every upstream, by name: the two defaults first.</summary>
    public IEnumerable<KeyValuePair<string, UpstreamOptions>> All =>
        Named.Prepend(new(nameof(Anthropic), Anthropic)).Prepend(new(nameof(OpenAI), OpenAI));
}
