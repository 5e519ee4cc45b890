using System.Net.Http.Headers;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>A request to the gateway's provider API carrying a gateway key the way each provider's clients send it.</summary>
public static class ProviderRequest
{
    /// <summary>Anthropic's way: <c>x-api-key</c> and <c>anthropic-version</c>; OpenAI's: a Bearer token.</summary>
    public static HttpRequestMessage Create(HttpMethod method, string path, string key, bool anthropic, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (anthropic)
        {
            request.Headers.Add("x-api-key", key);
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }
}
