using System.Security.Cryptography;
using System.Text;
using Gateway.Simulator.Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Decides whether a provider request gets in. OpenAI and Anthropic paths take the configured
/// <see cref="SimulatorOptions.ApiKey"/> as Bearer or <c>x-api-key</c> (anything when none is set).
/// Azure paths take it as <c>api-key</c>, or a Bearer token from the simulator's managed-identity
/// endpoint; they always want one of the two, as Azure never serves anonymous callers.
/// </summary>
internal sealed class RequestAuthenticator(IOptions<SimulatorOptions> options, ManagedIdentityTokens tokens)
{
    private readonly byte[]? _apiKey = string.IsNullOrEmpty(options.Value.ApiKey) ? null : Encoding.UTF8.GetBytes(options.Value.ApiKey);

    public AuthCheck Check(HttpRequest request, bool azure) => azure ? CheckAzure(request) : CheckProvider(request);

    /// <summary>Bearer or x-api-key: the one that is the configured key when either is, else the first one given.</summary>
    private AuthCheck CheckProvider(HttpRequest request)
    {
        (string Scheme, string? Value)[] candidates = [(AuthCheck.Bearer, BearerOf(request)), (AuthCheck.XApiKey, request.Headers["x-api-key"].ToString())];
        var presented = candidates.Where(c => !string.IsNullOrEmpty(c.Value)).Select(c => (c.Scheme, Value: c.Value!)).ToList();
        if (presented.Count == 0)
        {
            return new AuthCheck(AuthCheck.None, null, _apiKey is null);
        }

        var (scheme, value) = presented.FirstOrDefault(c => IsApiKey(c.Value)) is { Value: not null } matching ? matching : presented[0];
        return new AuthCheck(scheme, value, _apiKey is null || IsApiKey(value));
    }

    private AuthCheck CheckAzure(HttpRequest request)
    {
        if (request.Headers["api-key"].ToString() is { Length: > 0 } key)
        {
            return new AuthCheck(AuthCheck.AzureApiKey, key, _apiKey is null || IsApiKey(key));
        }

        if (BearerOf(request) is { Length: > 0 } token)
        {
            return tokens.Check(token) switch
            {
                ManagedIdentityTokenState.Valid => new AuthCheck(AuthCheck.ManagedIdentity, token, Authorized: true),
                ManagedIdentityTokenState.Unknown => new AuthCheck(AuthCheck.Bearer, token, Authorized: false),
                _ => new AuthCheck(AuthCheck.ManagedIdentity, token, Authorized: false),
            };
        }

        return new AuthCheck(AuthCheck.None, null, Authorized: false);
    }

    private static string? BearerOf(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    // Constant-time, as a real provider would compare keys.
    private bool IsApiKey(string credential) => _apiKey is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(credential), _apiKey);
}
