using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// GET /sim/requests, GET /sim/requests/last and POST /sim/requests/reset: what reached the
/// simulator, headers and body, newest first. Not counted and not behind the API key, like /sim/stats.
/// </summary>
internal sealed class RequestsEndpoint(RequestLog log)
{
    private const int DefaultLimit = 50;

    public Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync("limit must be a whole number of at least 1.", context.RequestAborted);
        }

        var requests = log.Latest(limit, query["contains"].ToString());
        return context.Response.WriteAsJsonAsync(requests, SimJsonContext.Default.IReadOnlyListRecordedRequest, contentType: null, context.RequestAborted);
    }

    public Task LastAsync(HttpContext context)
    {
        if (log.Latest(1) is [var last])
        {
            return context.Response.WriteAsJsonAsync(last, SimJsonContext.Default.RecordedRequest, contentType: null, context.RequestAborted);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.Response.WriteAsync("No request has been recorded.", context.RequestAborted);
    }

    public Task ResetAsync(HttpContext context)
    {
        log.Clear();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
