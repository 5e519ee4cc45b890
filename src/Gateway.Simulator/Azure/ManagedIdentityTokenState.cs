namespace Gateway.Simulator.Azure;

/// <summary>What the simulator knows of a Bearer token presented on an Azure path.</summary>
internal enum ManagedIdentityTokenState
{
    /// <summary>Not one the managed-identity endpoint issued.</summary>
    Unknown,

    /// <summary>Issued, unexpired, for the Cognitive Services resource: accepted.</summary>
    Valid,

    /// <summary>Issued, but past its <c>expires_on</c>.</summary>
    Expired,

    /// <summary>Issued for another resource (say Key Vault), so it has the wrong audience for Azure OpenAI.</summary>
    OtherResource,
}
