using System.Text;
using System.Text.Json;
using Gateway.Simulator.Azure;
using Gateway.Simulator.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Wraps every provider endpoint: counts and records it (also by a fingerprint of the credential it
/// presented), answers a <c>/_fault/</c> prefix, checks Azure's <c>api-version</c> and the credential,
/// and turns failures into the provider's error format. A provider never answers with a stack trace, so neither does this.
/// </summary>
internal sealed partial class SimulatorMiddleware(
    RequestDelegate next,
    IOptions<SimulatorOptions> options,
    SimulatorStats stats,
    RequestLog log,
    RequestAuthenticator authenticator,
    TimeProvider timeProvider,
    ILogger<SimulatorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/sim") || request.Path.StartsWithSegments("/health") || request.Path.StartsWithSegments(ManagedIdentityEndpoint.Path))
        {
            await next(context);
            return;
        }

        stats.Request();
        var fault = context.Features.Get<FaultPrefix>();
        var azure = AzureRequest.Of(context);
        if (azure is not null)
        {
            context.Features.Set(azure);
            stats.Azure();
        }

        var auth = authenticator.Check(request, azure is not null);
        stats.Credential(auth.Credential);
        var format = ProviderErrors.FormatOf(request);
        SetRequestIds(context.Response, format);
        try
        {
            await RecordAsync(context, auth, azure, fault);
            await SimDelay.WaitAsync(timeProvider, fault?.DelayMs ?? 0, context.RequestAborted);
            if (fault?.Status is { } status)
            {
                stats.Fault();
                await ProviderErrors.WriteAsync(context, format, status);
            }
            else if (azure is { ApiVersionMissing: true })
            {
                await ProviderErrors.WriteAzureAsync(context, StatusCodes.Status404NotFound, "404", ProviderErrors.ResourceNotFound);
            }
            else if (!auth.Authorized)
            {
                stats.Unauthorized();
                if (auth.Credential is not null)
                {
                    stats.RejectedCredential();
                }

                await WriteUnauthorizedAsync(context, format, auth);
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
            // Azure relays the model service's validation errors in OpenAI's shape.
            await ProviderErrors.WriteAsync(context, format == ProviderFormat.Azure ? ProviderFormat.OpenAi : format, e.StatusCode, e.Message, e.Param, e.Code);
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

    private static void SetRequestIds(HttpResponse response, ProviderFormat format)
    {
        var id = Ids.Request();
        response.Headers[format == ProviderFormat.Anthropic ? "request-id" : "x-request-id"] = id;
        if (format == ProviderFormat.Azure)
        {
            // Azure's API Management front door adds its own id next to the service's.
            response.Headers["apim-request-id"] = Guid.NewGuid().ToString();
        }
    }

    /// <summary>
    /// Keeps the request's headers and the start of its body for GET /sim/requests. The body is read
    /// whole and put back as a memory stream, so endpoints read it as they would have.
    /// </summary>
    private async Task RecordAsync(HttpContext context, AuthCheck auth, AzureRequest? azure, FaultPrefix? fault)
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
        var deployment = azure is null ? null : azure.Deployment ?? ModelOf(body);
        log.Add(new RecordedRequest(sequence, request.Method, request.PathBase.Add(request.Path), request.QueryString.Value ?? "", headers,
            Encoding.UTF8.GetString(body.GetBuffer(), 0, kept), body.Length, kept < body.Length,
            auth.Scheme, auth.Authorized, deployment, azure?.ApiVersion, fault?.Spec));
    }

    /// <summary>The body's <c>model</c>, which names the deployment on Azure's v1 and Responses URLs; null when the body has none.</summary>
    private static string? ModelOf(MemoryStream body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.GetBuffer().AsMemory(0, (int)body.Length));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String
                ? model.GetString()
                : null;
        }
        catch (JsonException)
        {
            // The endpoint rejects the body in the provider's words; the log just has no deployment.
            return null;
        }
    }

    private static Task WriteUnauthorizedAsync(HttpContext context, ProviderFormat format, AuthCheck auth)
    {
        const int status = StatusCodes.Status401Unauthorized;
        var presented = auth.Credential is not null;
        if (format == ProviderFormat.Azure)
        {
            var bearer = auth.Scheme is AuthCheck.Bearer or AuthCheck.ManagedIdentity;
            return ProviderErrors.WriteAzureAsync(context, status, "401", bearer ? ProviderErrors.TokenRejected : ProviderErrors.AccessDenied);
        }

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
