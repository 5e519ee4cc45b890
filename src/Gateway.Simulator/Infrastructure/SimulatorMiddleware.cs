using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Wraps every provider endpoint: counts it, checks the API key, and turns failures into the
/// provider's error format. A provider never answers with a stack trace, so neither does this.
/// </summary>
internal sealed partial class SimulatorMiddleware(
    RequestDelegate next,
    IOptions<SimulatorOptions> options,
    SimulatorStats stats,
    RequestLog log,
    ILogger<SimulatorMiddleware> logger)
{
    private readonly byte[]? _apiKey = string.IsNullOrEmpty(options.Value.ApiKey) ? null : Encoding.UTF8.GetBytes(options.Value.ApiKey);

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/sim") || request.Path.StartsWithSegments("/health"))
        {
            await next(context);
            return;
        }

        stats.Request();
        var format = ProviderErrors.FormatOf(request);
        context.Response.Headers[format == ProviderFormat.Anthropic ? "request-id" : "x-request-id"] = Ids.Request();
        try
        {
            await RecordAsync(context);
            if (!IsAuthorized(request, out var presented))
            {
                stats.Unauthorized();
                await WriteUnauthorizedAsync(context, format, presented);
            }
            else
            {
                await next(context);
            }
        }
        catch (StreamCutException)
        {
            // Must reach Kestrel: that is what breaks the connection (see StreamCutException).
            throw;
        }
        catch (InvalidSimRequestException e) when (!context.Response.HasStarted)
        {
            await ProviderErrors.WriteAsync(context, format, e.StatusCode, e.Message, e.Param, e.Code);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await ProviderErrors.WriteAsync(context, format, e.StatusCode, e.Message);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a test timing out on purpose, say): nobody is left to answer.
        }
        catch (Exception e)
        {
            LogUnhandled(logger, e, request.Method, request.Path);
            if (context.Response.HasStarted)
            {
                context.Abort();
            }
            else
            {
                context.Response.Clear();
                await ProviderErrors.WriteAsync(context, format, StatusCodes.Status500InternalServerError, "The simulator failed while processing your request.");
            }
        }

        if (context.Response.StatusCode >= 400)
        {
            stats.Error();
        }
    }

    /// <summary>
    /// Keeps the request's headers and the start of its body for GET /sim/requests. The body is read
    /// whole and put back as a memory stream, so endpoints read it as they would have.
    /// </summary>
    private async Task RecordAsync(HttpContext context)
    {
        if (options.Value.RecordedRequests == 0)
        {
            return;
        }

        var request = context.Request;
        var sequence = log.NextSequence();
        var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        body.Position = 0;
        request.Body = body;

        var kept = (int)Math.Min(body.Length, options.Value.RecordedBodyBytes);
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.Select(v => v ?? "").ToArray(), StringComparer.Ordinal);
        log.Add(new RecordedRequest(sequence, request.Method, request.Path, request.QueryString.Value ?? "", headers,
            Encoding.UTF8.GetString(body.GetBuffer(), 0, kept), body.Length, kept < body.Length));
    }

    /// <returns>True when no key is configured or either header carries it; <paramref name="presented"/> says whether any key came.</returns>
    private bool IsAuthorized(HttpRequest request, out bool presented)
    {
        var bearer = request.Headers.Authorization.ToString();
        var candidates = new[]
        {
            bearer.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? bearer["Bearer ".Length..].Trim() : null,
            request.Headers["x-api-key"].ToString(),
        };

        presented = candidates.Any(c => !string.IsNullOrEmpty(c));
        if (_apiKey is null)
        {
            return true;
        }

        // Constant-time, as a real provider would compare keys.
        return candidates.Any(c => !string.IsNullOrEmpty(c) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(c), _apiKey));
    }

    private static Task WriteUnauthorizedAsync(HttpContext context, ProviderFormat format, bool presented)
    {
        const int status = StatusCodes.Status401Unauthorized;
        if (format == ProviderFormat.Anthropic)
        {
            return ProviderErrors.WriteAnthropicAsync(context, status, "authentication_error", presented ? "invalid x-api-key" : "x-api-key header is required");
        }

        return presented
            ? ProviderErrors.WriteOpenAiAsync(context, status, "Incorrect API key provided.", "invalid_request_error", param: null, "invalid_api_key")
            : ProviderErrors.WriteOpenAiAsync(
                context,
                status,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error",
                param: null,
                code: null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path);
}
