using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Frontend;

/// <summary>
/// Reads a request body into memory, never more than a limit (declared or actual). Optionally, a
/// body longer than a threshold is read on only once a check (who is asking) says yes.
/// </summary>
public static class BoundedBody
{
    /// <summary>What became of the read: the bytes; or too large; unreadable (with why); or refused by the check.</summary>
    public enum Outcome
    {
        Read,
        TooLarge,
        Unreadable,
        Refused,
    }

    public static async Task<(Outcome Outcome, byte[]? Bytes, string? Error)> ReadAsync(
        HttpContext context, long limit, long checkAbove = long.MaxValue, Func<Task<bool>>? check = null)
    {
        if (context.Request.ContentLength > limit)
        {
            return (Outcome.TooLarge, null, null);
        }

        var checkedAlready = check is null;
        if (!checkedAlready && context.Request.ContentLength > checkAbove)
        {
            if (!await check!())
            {
                return (Outcome.Refused, null, null);
            }

            checkedAlready = true;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        // A declared length sizes the buffer, but no further than 1 MiB before the bytes are there.
        using var buffer = new MemoryStream((int)Math.Min(context.Request.ContentLength ?? 16 * 1024, 1024 * 1024));
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (Outcome.TooLarge, null, null);
                }

                buffer.Write(chunk, 0, read);
                if (!checkedAlready && buffer.Length > checkAbove)
                {
                    if (!await check!())
                    {
                        return (Outcome.Refused, null, null);
                    }

                    checkedAlready = true;
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == (int)HttpStatusCode.RequestEntityTooLarge)
        {
            return (Outcome.TooLarge, null, null);
        }
        catch (BadHttpRequestException ex)
        {
            return (Outcome.Unreadable, null, ex.Message);
        }

        return (Outcome.Read, buffer.ToArray(), null);
    }
}
