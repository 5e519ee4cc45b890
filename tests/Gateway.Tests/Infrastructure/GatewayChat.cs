using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>One chat completion through the gateway over raw HTTP, as the tests that only need a request (not an SDK) send it.</summary>
public static class GatewayChat
{
    /// <summary>Sends the request and returns the response with its body read in, for the caller to dispose.</summary>
    public static async Task<HttpResponseMessage> SendAsync(string baseUrl, string key, int maxTokens, string content = "x", string model = "gpt-4o-mini", bool stream = false)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model, max_tokens = maxTokens, stream, messages = new[] { new { role = "user", content } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
