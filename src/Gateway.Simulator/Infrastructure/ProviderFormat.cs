namespace Gateway.Simulator.Infrastructure;

/// <summary>Whose conventions (error envelope, request-id header) a response follows.</summary>
internal enum ProviderFormat
{
    OpenAi,
    Anthropic,

    /// <summary>Azure OpenAI (/openai/…): Azure's envelope for front-door errors, OpenAI's for the rest.</summary>
    Azure,
}
