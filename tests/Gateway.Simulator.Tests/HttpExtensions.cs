using System.Text;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

internal static class HttpExtensions
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, JsonNode body, params (string Name, string Value)[] headers) =>
        client.PostRawAsync(path, body.ToJsonString(), headers);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        // Headers-read, so streaming tests see chunks as they come and can observe an abort.
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("The body was JSON null.");
}
