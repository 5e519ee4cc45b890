using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Frontend.Admin;

/// <summary>Reads an admin request body; a body that isn't the JSON object asked for becomes a 400 naming an example.</summary>
public static class AdminJson
{
    public static async Task<(T? Request, string? Error)> ReadAsync<T>(HttpContext context, string example)
        where T : class
    {
        try
        {
            var request = await context.Request.ReadFromJsonAsync<T>(JsonSerializerOptions.Web, context.RequestAborted);
            return request is null ? (null, $"The body must be a JSON object like {example}.") : (request, null);
        }
        catch (Exception ex) when (ex is JsonException or BadHttpRequestException or InvalidOperationException)
        {
            return (null, $"The body must be JSON like {example}: {ex.Message}");
        }
    }
}
