namespace Gateway.Simulator.Infrastructure;

/// <summary>The credential a request presented and whether the simulator accepts it.</summary>
/// <param name="Scheme">How it came: one of the constants here; what the request log records.</param>
/// <param name="Credential">The credential itself, only ever fingerprinted for the stats; null when none came.</param>
/// <param name="Authorized">Whether the request may go on.</param>
internal sealed record AuthCheck(string Scheme, string? Credential, bool Authorized)
{
    public const string Bearer = "bearer";
    public const string XApiKey = "x-api-key";
    public const string AzureApiKey = "api-key";
    public const string ManagedIdentity = "managed-identity";
    public const string None = "none";
}
