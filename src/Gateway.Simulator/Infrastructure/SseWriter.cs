using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Simulator.Infrastructure;

/// <summary>Server-sent events, flushed one by one so that clients (and a gateway in between) see them as they are "generated".</summary>
internal static class SseWriter
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();
    private static readonly byte[] LineEnd = "\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public static async Task StartAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);
    }

    /// <summary>OpenAI style: a bare <c>data:</c> line.</summary>
    public static Task WriteDataAsync<T>(HttpResponse response, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        WriteAsync(response, eventName: null, value, typeInfo, cancellationToken);

    /// <summary>Anthropic style: an <c>event:</c> line naming the type, then its <c>data:</c>.</summary>
    public static Task WriteEventAsync<T>(HttpResponse response, string eventName, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        WriteAsync(response, eventName, value, typeInfo, cancellationToken);

    public static async Task WriteDoneAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.BodyWriter.Write(Done);
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    private static async Task WriteAsync<T>(HttpResponse response, string? eventName, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        var writer = response.BodyWriter;
        if (eventName is not null)
        {
            writer.Write(EventPrefix);
            writer.Write(Encoding.UTF8.GetBytes(eventName));
            writer.Write(LineEnd);
        }

        writer.Write(DataPrefix);
        writer.Write(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        writer.Write(LineEnd);
        writer.Write(LineEnd);
        await writer.FlushAsync(cancellationToken);
    }
}
