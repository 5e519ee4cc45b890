namespace Gateway.Frontend.Upstreams;

/// <summary>How the gateway proves itself to an upstream.</summary>
public enum UpstreamAuth
{
    /// <summary>The configured <c>ApiKey</c>, in the header the kind expects; no header when there is none.</summary>
    ApiKey,

    /// <summary>
    /// Azure OpenAI only: a Microsoft Entra ID token for <c>https://cognitiveservices.azure.com</c>
    /// from <c>DefaultAzureCredential</c> (managed identity on Azure, the developer's sign-in locally),
    /// so a deployed fleet holds no provider key at all.
    /// </summary>
    EntraId,
}
