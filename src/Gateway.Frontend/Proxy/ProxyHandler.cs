using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Core.Keys;
using Gateway.Core.Pricing;
using Gateway.Core.Tokenization;
using Gateway.Frontend.Upstreams;
using Gateway.Storage.Audit;
using Gateway.Storage.Content;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// The request path of DESIGN.md: authenticate, authorize and reserve on the key's grain (which
/// records the intent durably before answering), forward, capture usage, settle. Settlement runs
/// whatever happens to the client or the upstream, and states the outcome rather than assuming it.
/// </summary>
public sealed partial class ProxyHandler(
    IGrainFactory grains,
    IHttpForwarder forwarder,
    UpstreamClient upstreams,
    PriceTable prices,
    PromptTokenCounter tokens,
    UnattributedAudit unattributed,
    ContentStore content,
    TimeProvider time,
    IOptions<FrontendOptions> options,
    ILogger<ProxyHandler> logger)
{
    private static readonly int[] SettleBackoffMs = [0, 100, 500, 2000];

    public async Task HandleAsync(HttpContext context, ProxyRoute route)
    {
        var o = options.Value;
        var startedTimestamp = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var requestId = Guid.CreateVersion7(startedAt).ToString("N");
        context.Response.Headers["x-gateway-request-id"] = requestId;

        // 1. The key: its format is checked here; the grain checks the secret.
        if (!ApiKeyFormat.TryParse(PresentedCredentials.ApiKey(context.Request, route.Dialect == ApiDialect.Anthropic), out var keyId, out var secret))
        {
            await AuditUnattributedAsync(context, route, requestId, null, "malformed_or_missing_key", null);
            await ProviderErrors.WriteAsync(context, route.Dialect, 401,
                "Incorrect API key provided. Gateway keys look like gw_<id>_<secret>; pass yours as " + (route.Dialect == ApiDialect.Anthropic ? "x-api-key or " : "") + "a Bearer token.",
                "invalid_api_key");
            return;
        }

        // Headers the gateway will not forward (a beta not allowed, an unknown version, an encoding it cannot decode): refused before anything is reserved.
        if (upstreams.Headers.Check(context.Request, route.Dialect) is { } refusal)
        {
            await ProviderErrors.WriteAsync(context, route.Dialect, refusal.Status, refusal.Message, refusal.Code);
            return;
        }

        // 2. The body: bounded, valid JSON, naming a model.
        var (body, bodyError) = await ReadBodyAsync(context, o.MaxRequestBodyBytes);
        if (body is null)
        {
            await ProviderErrors.WriteAsync(context, route.Dialect, bodyError == "too_large" ? 413 : 400, bodyError == "too_large"
                ? $"Request body is larger than the gateway's limit of {o.MaxRequestBodyBytes} bytes."
                : $"We could not parse the JSON body of your request. ({bodyError})", bodyError == "too_large" ? "request_too_large" : null);
            return;
        }

        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(modelElement.GetString()))
        {
            await ProviderErrors.WriteAsync(context, route.Dialect, 400, "You must provide a model parameter.", "missing_model");
            body.Dispose();
            return;
        }

        var model = modelElement.GetString()!;
        var streaming = route.CanStream && root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;

        // 3. Worst-case cost: prompt tokens by a real tokenizer, output at its ceiling.
        ModelPrice? price = null;
        int promptTokens = 0, ceiling = 0;
        var ceilingDefaulted = false;
        long reserve = 0;
        if (prices.TryGet(model, out var entry))
        {
            price = entry.Price;
            promptTokens = route.CountPrompt(tokens, model, root);
            var stated = route.ReadOutputCeiling(root);
            ceilingDefaulted = stated is null;
            ceiling = stated ?? entry.MaxOutputTokens ?? o.DefaultOutputCeiling;
            reserve = price.Cost(promptTokens, ceiling);
        }

        var requestContext = new RequestContext(requestId, model, route.Dialect == ApiDialect.Anthropic ? "anthropic" : "openai", route.Endpoint,
            streaming, o.InstanceId, o.Region, startedAt, context.Connection.RemoteIpAddress?.ToString());
        var grain = grains.GetGrain<IApiKeyGrain>(keyId);

        // 4. Reserve and record intent, in one grain call.
        BeginResult begin;
        try
        {
            begin = await grain.Begin(new BeginRequest(requestContext, ApiKeyFormat.Hash(secret), price, promptTokens, ceiling, ceilingDefaulted, reserve));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            LogBeginFailed(logger, requestId, ex.Message);
            await ProviderErrors.WriteAsync(context, route.Dialect, 503, "The gateway cannot reach its cluster right now; the request was not sent.", "gateway_unavailable");
            body.Dispose();
            return;
        }

        if (!begin.Accepted)
        {
            body.Dispose();
            if (begin.Denial == DenialReason.UnknownKey && begin.UserId is null)
            {
                // No such key: its grain has no ledger to write to.
                await AuditUnattributedAsync(context, route, requestId, keyId, "unknown_key", model);
            }

            await WriteDenialAsync(context, route.Dialect, begin);
            return;
        }

        if (begin.Rate is { HasLimits: true } rate)
        {
            // The caller's limits are the gateway's, not those of the provider account behind it.
            context.Response.OnStarting(() =>
            {
                RateLimitHeaders.Write(context.Response.Headers, route.Dialect, rate);
                return Task.CompletedTask;
            });
        }

        // 5. Forward and capture usage; 6. settle, whatever happened.
        var reservation = begin.Reservation!;
        var outcome = RequestOutcome.UpstreamError;
        var usage = new UsageAccumulator(route.Dialect);
        int status = 0;
        string? error = null;
        try
        {
            string? responseBody;
            (outcome, status, error, responseBody) = await ForwardAsync(context, route, body, streaming, usage);
            if (begin.CaptureContent)
            {
                // Only because an admin switched capture on for this key, with a recorded reason.
                await CaptureAsync(keyId, requestId, body.RootElement.GetRawText(), streaming ? usage.GeneratedText : responseBody ?? "");
            }
        }
        catch (Exception ex)
        {
            error = ex.Message;
            outcome = context.RequestAborted.IsCancellationRequested ? RequestOutcome.ClientAborted : RequestOutcome.UpstreamError;
            LogForwardFailed(logger, requestId, ex.Message);
        }
        finally
        {
            body.Dispose();
            var latency = (long)time.GetElapsedTime(startedTimestamp).TotalMilliseconds;
            await CompleteResponseAsync(context);
            var report = usage.HasUsage
                ? new UsageReport(usage.InputTokens ?? promptTokens, usage.OutputTokens ?? 0, usage.CachedInputTokens, ReportedByProvider: true)
                : EstimateUsage(model, usage, promptTokens, status);
            await SettleAsync(grain, new SettleRequest(requestContext, reservation, price!, report, outcome, status, latency, error));
        }
    }

    private async Task CaptureAsync(string keyId, string requestId, string prompt, string completion)
    {
        var now = time.GetUtcNow();
        try
        {
            await content.SaveAsync(keyId, requestId, prompt, completion, now, now + options.Value.ContentRetention, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogCaptureFailed(logger, requestId, ex.Message);
        }
    }

    private async Task<(RequestOutcome Outcome, int Status, string? Error, string? ResponseBody)> ForwardAsync(HttpContext context, ProxyRoute route, JsonDocument body, bool streaming, UsageAccumulator usage)
    {
        var o = options.Value;
        var hideUsageChunk = false;
        byte[] payload;
        if (streaming && route.ForceStreamUsage)
        {
            var node = JsonNode.Parse(body.RootElement.GetRawText())!.AsObject();
            hideUsageChunk = !ProxyRoute.ForceIncludeUsage(node);
            payload = JsonSerializer.SerializeToUtf8Bytes(node);
        }
        else
        {
            payload = JsonSerializer.SerializeToUtf8Bytes(body.RootElement);
        }

        context.Request.Body = new MemoryStream(payload, writable: false);
        context.Request.ContentLength = payload.Length;

        var original = context.Response.Body;
        var capture = new CapturingResponseStream(original, usage,
            () => context.Response.ContentType?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true,
            hideUsageChunk, o.MaxCapturedResponseBytes);
        context.Response.Body = capture;

        using var timeout = new CancellationTokenSource(o.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
        ForwarderError result;
        string? responseBody = null;
        try
        {
            var upstream = route.Dialect == ApiDialect.Anthropic ? upstreams.Anthropic : upstreams.OpenAI;
            result = await forwarder.SendAsync(context, upstream.BaseUrl, upstreams.Invoker, upstreams.RequestConfig, upstream, linked.Token);
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await capture.CompleteAsync(context.RequestAborted);
            }

            responseBody = capture.CapturedBody;
        }
        finally
        {
            context.Response.Body = original;
        }

        var status = context.Response.StatusCode;
        var errorFeature = context.Features.Get<IForwarderErrorFeature>();
        if (result == ForwarderError.None)
        {
            if (status >= 400)
            {
                return (RequestOutcome.UpstreamError, status, $"upstream returned {status}", responseBody);
            }

            if (usage.StreamError is { } streamError)
            {
                return (RequestOutcome.UpstreamError, status, streamError, responseBody);
            }

            // A 200 is not proof of completion: a stream must have reached its own end marker.
            return streaming && !usage.SawEnd
                ? (RequestOutcome.UpstreamError, status, "stream ended before its end marker", responseBody)
                : (RequestOutcome.Completed, status, null, responseBody);
        }

        var detail = $"{result}: {errorFeature?.Exception?.Message}";
        if (timeout.IsCancellationRequested || result == ForwarderError.RequestTimedOut)
        {
            await WriteGatewayErrorAsync(context, route.Dialect, 504, "The upstream did not answer in time.");
            return (RequestOutcome.Timeout, context.Response.HasStarted ? status : 504, detail, responseBody);
        }

        // The forwarder's error says which side failed. A destination failure comes first: the
        // forwarder aborts the client connection itself then, which must not read as the client leaving.
        var upstreamFailed = result is ForwarderError.Request or ForwarderError.ResponseHeaders or ForwarderError.ResponseBodyDestination
            or ForwarderError.RequestBodyDestination or ForwarderError.NoAvailableDestinations;
        if (!upstreamFailed && (context.RequestAborted.IsCancellationRequested || result is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient))
        {
            return (RequestOutcome.ClientAborted, status, detail, responseBody);
        }

        await WriteGatewayErrorAsync(context, route.Dialect, 502, "The upstream model API could not be reached or failed mid-response.");
        return (RequestOutcome.UpstreamError, context.Response.HasStarted ? status : 502, detail, responseBody);
    }

    private async Task AuditUnattributedAsync(HttpContext context, ProxyRoute route, string requestId, string? keyId, string reason, string? model)
    {
        var o = options.Value;
        try
        {
            await unattributed.RecordAsync(new UnattributedDenial(requestId, keyId, reason, route.Endpoint, model, 401,
                o.InstanceId, o.Region, context.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow()));
        }
        catch (Exception ex)
        {
            // The request is refused whatever happens here, and nothing went upstream.
            LogUnattributedNotAudited(logger, requestId, ex.Message);
        }
    }

    /// <summary>
    /// Ends the client's response before settling, so settlement (a storage write) never adds to
    /// the caller's latency or holds a finished stream open.
    /// </summary>
    private static async Task CompleteResponseAsync(HttpContext context)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await context.Response.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The client went away meanwhile; the outcome was already decided.
        }
    }

    private static async Task WriteGatewayErrorAsync(HttpContext context, ApiDialect dialect, int status, string message)
    {
        if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Clear();
            await ProviderErrors.WriteAsync(context, dialect, status, message, "upstream_error");
        }
    }

    /// <summary>
    /// When the provider's usage never arrived (stream cut, client gone), charge for the prompt as
    /// counted and the output actually seen, rather than for nothing.
    /// </summary>
    private UsageReport EstimateUsage(string model, UsageAccumulator usage, int promptTokens, int status)
    {
        var text = usage.GeneratedText;
        var output = text.Length == 0 ? 0 : tokens.CountText(model, text);
        var upstreamRefused = status >= 400 && output == 0;
        return new UsageReport(upstreamRefused ? 0 : promptTokens, output, 0, ReportedByProvider: false);
    }

    private async Task SettleAsync(IApiKeyGrain grain, SettleRequest request)
    {
        foreach (var delay in SettleBackoffMs)
        {
            if (delay > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay), time);
            }

            try
            {
                await grain.Settle(request);
                return;
            }
            catch (Exception ex)
            {
                LogSettleRetry(logger, request.Context.RequestId, ex.Message);
            }
        }

        // The intent is still in the journal: the sweeper settles it as unknown at the reserved amount.
        LogSettleGaveUp(logger, request.Context.RequestId);
    }

    private static Task WriteDenialAsync(HttpContext context, ApiDialect dialect, BeginResult begin) => begin.Denial switch
    {
        DenialReason.UnknownKey => ProviderErrors.WriteAsync(context, dialect, 401, begin.Message ?? "Incorrect API key provided.", "invalid_api_key"),
        DenialReason.Revoked => ProviderErrors.WriteAsync(context, dialect, 401, begin.Message ?? "This API key has been revoked.", "invalid_api_key"),
        DenialReason.Expired => ProviderErrors.WriteAsync(context, dialect, 401, begin.Message ?? "This API key has expired.", "invalid_api_key"),
        DenialReason.ModelNotAllowed => ProviderErrors.WriteAsync(context, dialect, 403, begin.Message ?? "Model not allowed.", "model_not_allowed"),
        DenialReason.ModelNotPriced => ProviderErrors.WriteAsync(context, dialect, 404, begin.Message ?? "Model not found.", "model_not_found"),
        DenialReason.OverBudget => ProviderErrors.WriteAsync(context, dialect, 429, begin.Message ?? "You exceeded your current quota.", "insufficient_quota"),
        DenialReason.RateLimited => ProviderErrors.WriteAsync(context, dialect, 429, begin.Message ?? "Rate limit reached.", "rate_limit_exceeded", begin.RetryAfter),
        _ => ProviderErrors.WriteAsync(context, dialect, 503, begin.Message ?? "The gateway cannot record this request right now.", "audit_unavailable"),
    };

    private static async Task<(JsonDocument? Body, string? Error)> ReadBodyAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return (null, "too_large");
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        using var buffer = new MemoryStream();
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (null, "too_large");
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == (int)HttpStatusCode.RequestEntityTooLarge)
        {
            return (null, "too_large");
        }

        if (buffer.Length == 0)
        {
            return (null, "the body is empty");
        }

        try
        {
            return (JsonDocument.Parse(buffer.ToArray()), null);
        }
        catch (JsonException ex)
        {
            return (null, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: content capture could not be stored ({Reason})")]
    private static partial void LogCaptureFailed(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: refusal of an unknown key could not be audited ({Reason})")]
    private static partial void LogUnattributedNotAudited(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: could not begin on the key's grain ({Reason}); refused with 503")]
    private static partial void LogBeginFailed(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: forwarding failed ({Reason})")]
    private static partial void LogForwardFailed(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: settlement failed ({Reason}); retrying")]
    private static partial void LogSettleRetry(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: settlement gave up; the journal sweeper will settle it as unknown")]
    private static partial void LogSettleGaveUp(ILogger logger, string requestId);
}
