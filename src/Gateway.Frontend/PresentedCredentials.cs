using Microsoft.AspNetCore.Http;

namespace Gateway.Frontend;

/// <summary>Where callers put their keys: a Bearer token, or Anthropic's <c>x-api-key</c> header.</summary>
public static class PresentedCredentials
{
    public static string? Bearer(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    /// <summary>The key of a proxied request: <c>x-api-key</c> first where the API allows it, else the Bearer token.</summary>
    public static string? ApiKey(HttpRequest request, bool allowXApiKey) =>
        allowXApiKey && request.Headers.TryGetValue("x-api-key", out var apiKey) && !string.IsNullOrEmpty(apiKey)
            ? apiKey.ToString()
            : Bearer(request);
}
