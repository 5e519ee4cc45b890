using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// A proxied request's body, read within the size limit and parsed strictly: valid UTF-8, no
/// escape that decodes to a lone UTF-16 surrogate, no property named twice in one object. What the
/// gateway reads (model, stream, ceilings) must be exactly what the upstream will read, and a body
/// two parsers could read differently is refused before anything is reserved.
/// </summary>
public sealed class ProxyRequestBody : IDisposable
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = StrictJson.MaxDepth };

    private ProxyRequestBody(byte[] bytes, JsonDocument document)
    {
        Bytes = bytes;
        Document = document;
    }

    /// <summary>The body as received, forwarded as is when the gateway changes nothing in it.</summary>
    public byte[] Bytes { get; }

    public JsonDocument Document { get; }

    public JsonElement Root => Document.RootElement;

    public void Dispose() => Document.Dispose();

    /// <summary>
    /// The parsed body, or the status (400 or 413) and message to refuse it with. A body longer than
    /// <paramref name="admitAbove"/> bytes (declared, or found while reading) is read on only once
    /// <paramref name="admit"/> says yes; when it says no, it has answered, and the status is 0.
    /// </summary>
    public static async Task<(ProxyRequestBody? Body, int Status, string? Error)> ReadAsync(HttpContext context, long limit, long admitAbove, Func<Task<bool>> admit)
    {
        var (outcome, bytes, unreadable) = await BoundedBody.ReadAsync(context, limit, admitAbove, admit);
        switch (outcome)
        {
            case BoundedBody.Outcome.TooLarge:
                return (null, StatusCodes.Status413PayloadTooLarge, $"Request body is larger than the gateway's limit of {limit} bytes.");
            case BoundedBody.Outcome.Refused:
                return (null, 0, null);
            case BoundedBody.Outcome.Unreadable:
                return (null, StatusCodes.Status400BadRequest, $"The request body could not be read: {unreadable}");
        }

        if (bytes!.Length == 0)
        {
            return Invalid("the body is empty");
        }

        if (StrictJson.FindInvalidText(bytes) is { } error)
        {
            return Invalid(error);
        }

        try
        {
            return (new ProxyRequestBody(bytes, JsonDocument.Parse(bytes, Strict)), 0, null);
        }
        catch (JsonException ex)
        {
            return Invalid(ex.Message);
        }
    }

    private static (ProxyRequestBody?, int, string?) Invalid(string reason) =>
        (null, StatusCodes.Status400BadRequest, $"We could not parse the JSON body of your request. ({reason})");
}
