namespace Gateway.Simulator.Infrastructure;

/// <summary>Whose conventions (error envelope, request-id header) a response follows.</summary>
internal enum ProviderFormat
{
    OpenAi,
    Anthropic,
}
