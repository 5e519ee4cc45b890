using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Wraps every provider endpoint: counts it (also by a fingerprint of the credential it presented),
/// checks the API key, and turns failures into the provider's error format. A provider never answers with a stack trace, so neither does this.
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
        var credential = PresentedCredential(request);
        stats.Credential(credential);
        var format = ProviderErrors.FormatOf(request);
        context.Response.Headers[format == ProviderFormat.Anthropic ? "request-id" : "x-request-id"] = Ids.Request();
        try
        {
            await RecordAsync(context);
            if (!IsAuthorized(credential))
            {
                stats.Unauthorized();
                if (credential is not null)
                {
                    stats.RejectedCredential();
                }

                await WriteUnauthorizedAsync(context, format, presented: credential is not null);
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

    /// <summary>
    /// The credential the request presented, as Bearer or x-api-key: the one that is the configured
    /// key when either is, else the first one given; null when it gave none.
    /// </summary>
    private string? PresentedCredential(HttpRequest request)
    {
        var bearer = request.Headers.Authorization.ToString();
        string?[] candidates =
        [
            bearer.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? bearer["Bearer ".Length..].Trim() : null,
            request.Headers["x-api-key"].ToString(),
        ];

        var presented = candidates.Where(c => !string.IsNullOrEmpty(c)).Cast<string>().ToList();
        return presented.FirstOrDefault(IsApiKey) ?? presented.FirstOrDefault();
    }

    /// <summary>True when no key is configured or the credential is it.</summary>
    private bool IsAuthorized(string? credential) => _apiKey is null || (credential is not null && IsApiKey(credential));

    // Constant-time, as a real provider would compare keys.
    private bool IsApiKey(string credential) => _apiKey is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(credential), _apiKey);

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
