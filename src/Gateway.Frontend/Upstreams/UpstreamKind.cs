namespace Gateway.Frontend.Upstreams;

/// <summary>What an upstream is: it decides the URL shape, how the gateway authenticates, and which API format it takes.</summary>
public enum UpstreamKind
{
    /// <summary>api.openai.com: <c>Authorization: Bearer</c>, <c>OpenAI-Organization</c> and <c>OpenAI-Project</c>.</summary>
    OpenAI,

    /// <summary>An Azure OpenAI resource: deployment URLs with <c>api-version</c> (or its v1 API), <c>api-key</c> or Entra ID.</summary>
    AzureOpenAI,

    /// <summary>api.anthropic.com: <c>x-api-key</c>; takes Anthropic-format requests only.</summary>
    Anthropic,

    /// <summary>Any server speaking OpenAI's API (vLLM, Ollama, LM Studio, a local server): its base URL and an optional Bearer key.</summary>
    OpenAICompatible,
}
