using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Azure;

/// <summary>
/// The access tokens the simulator's managed-identity endpoint issued, kept in memory until they
/// expire, so the Azure paths accept exactly those (for the Cognitive Services resource) as Bearer.
/// </summary>
public sealed class ManagedIdentityTokens(IOptions<SimulatorOptions> options, TimeProvider timeProvider)
{
    /// <summary>The resource Azure OpenAI tokens are for; MSAL sends the scope <c>…/.default</c> with that suffix cut off.</summary>
    public const string CognitiveServicesResource = "https://cognitiveservices.azure.com";

    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);

    internal IssuedToken Issue(string resource, string clientId)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var expired in _tokens.Where(t => t.Value.ExpiresAt <= now).Select(t => t.Key).ToList())
        {
            _tokens.TryRemove(expired, out _);
        }

        // Opaque, as a client must treat a real one; long enough that a guess never matches.
        var token = new IssuedToken(
            "sim-mi-" + RandomNumberGenerator.GetHexString(48, lowercase: true),
            resource,
            clientId,
            now.AddSeconds(options.Value.ManagedIdentityTokenLifetimeSeconds));
        _tokens[token.AccessToken] = token;
        return token;
    }

    internal ManagedIdentityTokenState Check(string accessToken)
    {
        if (!_tokens.TryGetValue(accessToken, out var token))
        {
            return ManagedIdentityTokenState.Unknown;
        }

        if (token.ExpiresAt <= timeProvider.GetUtcNow())
        {
            return ManagedIdentityTokenState.Expired;
        }

        return IsCognitiveServices(token.Resource) ? ManagedIdentityTokenState.Valid : ManagedIdentityTokenState.OtherResource;
    }

    /// <summary>The resource with or without a trailing slash or <c>/.default</c>, as callers spell it.</summary>
    internal static bool IsCognitiveServices(string resource)
    {
        var trimmed = resource.EndsWith("/.default", StringComparison.OrdinalIgnoreCase) ? resource[..^"/.default".Length] : resource;
        return string.Equals(trimmed.TrimEnd('/'), CognitiveServicesResource, StringComparison.OrdinalIgnoreCase);
    }

    internal sealed record IssuedToken(string AccessToken, string Resource, string ClientId, DateTimeOffset ExpiresAt);
}
