using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Core.Ids;
using Gateway.Core.Keys;
using Gateway.Core.Pricing;
using Gateway.Core.Tokenization;
using Gateway.Frontend.Telemetry;
using Gateway.Frontend.Upstreams;
using Gateway.Storage.Audit;
using Gateway.Storage.Content;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
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
    UpstreamRouter router,
    CostEstimator estimator,
    PromptTokenCounter tokens,
    AuthFailureGuard guard,
    ContentStore content,
    KeyCallRetries retries,
    TimeProvider time,
    IOptions<FrontendOptions> options,
    ILogger<ProxyHandler> logger)
{
    public async Task HandleAsync(HttpContext context, ProxyRoute route)
    {
        var call = Start(context, route);

        // 0. An address that keeps failing to authenticate waits, before any work is spent on it.
        if (await RefuseThrottledAsync(call))
        {
            return;
        }

        // 1. The key's format (its grain checks the secret), and headers the gateway will forward.
        if (await IdentifyAsync(call) is not { } key)
        {
            return;
        }

        using var scope = RequestScope(logger, call.Request.RequestId, key.KeyId);

        // 2. The body: bounded, strictly parsed, naming a model; 3. its worst-case cost. A large body
        // is read on only for a key its grain admits: a made-up key costs no reading or tokenizing.
        if (await ReadRequestAsync(call, () => AdmitAsync(call, key)) is not var (request, estimate))
        {
            return;
        }

        using var requestBody = request;
        call.Request = call.Request with { Model = estimate.Model, Streaming = estimate.Streaming };

        // Where it may be served, in the order to try; a model routed only to the other API format is refused before anything is reserved.
        var targets = router.Plan(estimate.Model, call.Route.Dialect);
        if (targets.Count == 0)
        {
            ProxyMetrics.Refused(ProxyMetrics.Invalid);
            await ProviderErrors.WriteAsync(call.Context, call.Route.Dialect, 400,
                $"The model '{estimate.Model}' is served by this gateway in {(call.Route.Dialect == ApiDialect.Anthropic ? "OpenAI's" : "Anthropic's")} API format only; "
                + $"call {(call.Route.Dialect == ApiDialect.Anthropic ? "/v1/chat/completions or /v1/responses" : "/v1/messages")} for it.",
                "model_not_supported");
            return;
        }

        // 4. Authenticate, authorize, reserve and record intent, in one bounded grain call.
        if (await BeginAsync(call, key, estimate) is not { } begin)
        {
            return;
        }

        // 5. Forward and capture usage; 6. settle, whatever happened. Meanwhile the request's lease is
        // renewed, so the key's sweep never takes it for abandoned. The settlement leaves before the
        // handler returns and is waited for off the client's connection.
        var lease = RenewLeaseWhileServing(key.Grain, call.Request.RequestId);
        var settle = await ServeAsync(call, key, request, estimate, begin, targets);
        retries.Settle(key.Grain, settle, lease, logger.IsEnabled(LogLevel.Debug) ? settled => LogServed(logger, settle.RequestId, key.KeyId, estimate.Model,
            settle.HttpStatus, ProxyMetrics.OutcomeName(settle.Outcome), settle.LatencyMs, settled?.CostMicros) : null);
    }

    /// <summary>The request's id, clock and caller; every error from here on is written by this handler or forwarded as it came.</summary>
    private ProxyCall Start(HttpContext context, ProxyRoute route)
    {
        var o = options.Value;
        var startedAt = time.GetUtcNow();
        var requestId = RequestIds.New(startedAt);
        context.Response.Headers["x-gateway-request-id"] = requestId;
        // The request's span (ASP.NET Core's, under the caller's traceparent when it sent one) names
        // the request, so a trace and its ledger row find each other.
        if (Activity.Current is { IsAllDataRequested: true } span)
        {
            span.SetTag(RequestIdAttribute, requestId);
        }

        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
        {
            statusPages.Enabled = false;
        }

        var request = new RequestContext(requestId, "", route.Dialect == ApiDialect.Anthropic ? "anthropic" : "openai", route.Endpoint,
            false, o.InstanceId, o.Region, startedAt, context.Connection.RemoteIpAddress?.ToString());
        return new ProxyCall(context, route, time.GetTimestamp()) { Request = request };
    }

    private async Task<bool> RefuseThrottledAsync(ProxyCall call)
    {
        if (guard.RetryAfter(call.Request.ClientAddress) is not { } wait)
        {
            return false;
        }

        ProxyMetrics.Denial("auth_throttled");
        await RecordUnattributedAsync(call, null, "auth_throttled", null, 429);
        await AuthFailureGuard.WriteThrottledAsync(call.Context, call.Route.Dialect, wait);
        return true;
    }

    /// <summary>The presented key, parsed, and the request's headers checked; null when refused (the refusal is written).</summary>
    private async Task<PresentedKey?> IdentifyAsync(ProxyCall call)
    {
        var (context, dialect) = (call.Context, call.Route.Dialect);
        if (!ApiKeyFormat.TryParse(PresentedCredentials.ApiKey(context.Request, dialect == ApiDialect.Anthropic), out var keyId, out var secret))
        {
            guard.Failed(call.Request.ClientAddress);
            ProxyMetrics.Denial("malformed_or_missing_key");
            await RecordUnattributedAsync(call, null, "malformed_or_missing_key", null, 401);
            await ProviderErrors.WriteAsync(context, dialect, 401,
                "Incorrect API key provided. Gateway keys look like gw_<id>_<secret>; pass yours as " + (dialect == ApiDialect.Anthropic ? "x-api-key or " : "") + "a Bearer token.",
                "invalid_api_key");
            return null;
        }

        // Headers the gateway will not forward (a beta not allowed, an unknown version, an encoding it cannot decode): refused before anything is reserved.
        if (router.Headers.Check(context.Request, dialect) is { } refusal)
        {
            ProxyMetrics.Refused(ProxyMetrics.Invalid);
            await ProviderErrors.WriteAsync(context, dialect, refusal.Status, refusal.Message, refusal.Code);
            return null;
        }

        return new PresentedKey(keyId, ApiKeyFormat.Hash(secret), grains.GetGrainFast<IApiKeyGrain>(keyId));
    }

    /// <summary>Step 4 on the key's grain, bounded by <c>BeginTimeout</c>; null when refused (the refusal is written).</summary>
    private async Task<BeginResult?> BeginAsync(ProxyCall call, PresentedKey key, CostEstimate estimate)
    {
        BeginResult begin;
        try
        {
            // Bounded: the grain may be activating against a stalled store.
            begin = await key.Grain.Begin(new BeginRequest(call.Request, key.SecretHash, estimate.Price, estimate.PromptTokens, estimate.Ceiling, estimate.CeilingDefaulted, estimate.ReserveMicros))
                .WaitAsync(options.Value.BeginTimeout, time);
        }
        catch (Exception ex)
        {
            // Timed out or failed, the call may still be accepted by the grain: it is withdrawn, so
            // whatever it holds is released and it is recorded as refused, never charged.
            retries.Withdraw(key.Grain, call.Request);
            LogBeginFailed(logger, call.Request.RequestId, ex);
            await WriteUnavailableAsync(call.Context, call.Route.Dialect);
            return null;
        }

        if (!begin.Accepted)
        {
            await RefuseAsync(call, key.KeyId, begin);
            return null;
        }

        if (begin.Rate is { HasLimits: true } rate)
        {
            // The caller's limits are the gateway's, not those of the provider account behind it.
            var (context, dialect) = (call.Context, call.Route.Dialect);
            context.Response.OnStarting(() =>
            {
                RateLimitHeaders.Write(context.Response.Headers, dialect, rate);
                return Task.CompletedTask;
            });
        }

        return begin;
    }

    /// <summary>
    /// Steps 5 and 6: forwards, captures usage (and content, where an admin switched capture on),
    /// ends the client's response, and states what happened for settlement. Never throws.
    /// </summary>
    private async Task<SettleRequest> ServeAsync(ProxyCall call, PresentedKey key, ProxyRequestBody request, CostEstimate estimate, BeginResult begin,
        IReadOnlyList<DeploymentTarget> targets)
    {
        var context = call.Context;
        var requestId = call.Request.RequestId;
        var outcome = RequestOutcome.UpstreamError;
        var usage = new UsageAccumulator(call.Route.Dialect);
        int status = 0;
        string? error = null;
        var attempt = new AttemptLog();
        try
        {
            string? responseBody;
            (outcome, status, error, responseBody) = await ForwardAsync(context, call.Route, request, estimate, usage, targets, attempt, keepBody: begin.CaptureContent);

            if (begin.CaptureContent)
            {
                // Only because an admin switched capture on for this key, with a recorded reason.
                await CaptureAsync(key.KeyId, requestId, request.Root.GetRawText(), estimate.Streaming ? usage.GeneratedText : responseBody ?? "");
            }
        }
        catch (Exception ex)
        {
            error = ex.Message;
            outcome = context.RequestAborted.IsCancellationRequested ? RequestOutcome.ClientAborted : RequestOutcome.UpstreamError;
            LogForwardFailed(logger, requestId, ex.Message);
        }

        var latency = (long)time.GetElapsedTime(call.StartedTimestamp).TotalMilliseconds;
        await CompleteResponseAsync(context);
        var report = usage.HasUsage
            ? usage.Reported(estimate.PromptTokens)
            : EstimateUsage(estimate.Model, usage, estimate.PromptTokens, status);
        ProxyMetrics.Served(call.Route, estimate.Model, attempt.Provider ?? "", outcome, latency, report);
        return new SettleRequest(call.Request.RequestId, report, outcome, status, latency, attempt.Explain(outcome, error), attempt.Upstream, attempt.Count);
    }

    private ITimer RenewLeaseWhileServing(IApiKeyGrain grain, string requestId)
    {
        var every = options.Value.LeaseRenewEvery;
        return time.CreateTimer(_ =>
        {
            try
            {
                // One-way: nothing to wait for; a lost renewal only shortens the lease until the next.
                _ = grain.Renew(requestId);
            }
            catch (Exception ex)
            {
                LogRenewFailed(logger, requestId, ex);
            }
        }, null, every, every);
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

    private async Task<(RequestOutcome Outcome, int Status, string? Error, string? ResponseBody)> ForwardAsync(
        HttpContext context, ProxyRoute route, ProxyRequestBody body, CostEstimate estimate, UsageAccumulator usage,
        IReadOnlyList<DeploymentTarget> targets, AttemptLog attempt, bool keepBody)
    {
        var o = options.Value;
        var streaming = estimate.Streaming;
        var (edits, hideUsageChunk) = AdjustBody(route, body, estimate);

        var original = context.Response.Body;
        using var capture = new CapturingResponseStream(original, usage,
            () => context.Response.ContentType?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true,
            hideUsageChunk, o.MaxCapturedResponseBytes);
        context.Response.Body = capture;

        using var timeout = new CancellationTokenSource(o.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
        var result = ForwarderError.None;
        string? responseBody = null;
        try
        {
            // Each deployment in turn until one answers with something worth passing on; nothing
            // reaches the caller before that, so failing over is invisible but for the latency.
            for (var i = 0; i < targets.Count; i++)
            {
                var target = targets[i];
                var canFailOver = i < targets.Count - 1;
                var deployment = target.DeploymentFor(estimate.Model);
                var payload = PayloadFor(edits, body, target.Upstream.DeploymentInBody(route) ? deployment : target.ModelFor(estimate.Model));
                context.Request.Body = new MemoryStream(payload, writable: false);
                context.Request.ContentLength = payload.Length;

                var transformer = new UpstreamTransformer(router.Headers, route.Dialect, target.Upstream, deployment, canFailOver);
                attempt.Count++;
                attempt.Upstream = target.Upstream.Name;
                attempt.Provider = ProxyMetrics.ProviderName(target.Upstream);
                result = await forwarder.SendAsync(context, target.Upstream.BaseUrl, target.Upstream.Invoker, router.RequestConfig, transformer, linked.Token);
                if (!canFailOver || context.RequestAborted.IsCancellationRequested || timeout.IsCancellationRequested || context.Response.HasStarted)
                {
                    break;
                }

                var failure = transformer.HeldBackStatus is { } held ? $"answered {held}"
                    : result is ForwarderError.Request or ForwarderError.RequestCreation ? context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? result.ToString()
                    : null;
                if (failure is null)
                {
                    break;
                }

                // Nothing of this attempt is kept but why it failed: the next one starts from a clean response.
                (attempt.FailedOver ??= []).Add($"{target.Upstream.Name} ({failure})");
                LogFailingOver(logger, context.Response.Headers["x-gateway-request-id"].ToString(), target.Upstream.Name, failure);
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Response.StatusCode = StatusCodes.Status200OK;
            }

            if (!context.RequestAborted.IsCancellationRequested)
            {
                await capture.CompleteAsync(context.RequestAborted);
            }

            // As text only for content capture: usage was read from the bytes.
            responseBody = keepBody ? capture.CapturedBody : null;
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

        if (errorFeature?.Exception is BrokenCircuitException)
        {
            // Every deployment is out of rotation after repeated failures: said as such, with when to come back.
            var breakFor = targets.Max(t => t.Upstream.BreakDuration);
            if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                context.Response.Clear();
                await ProviderErrors.WriteAsync(context, route.Dialect, 503,
                    $"The upstream serving '{estimate.Model}' failed repeatedly and is out of rotation for now; the request was not sent. Try again shortly.",
                    "upstream_unavailable", breakFor);
            }

            return (RequestOutcome.UpstreamError, context.Response.HasStarted ? status : 503, detail, responseBody);
        }

        await WriteGatewayErrorAsync(context, route.Dialect, 502, "The upstream model API could not be reached or failed mid-response.");
        return (RequestOutcome.UpstreamError, context.Response.HasStarted ? status : 502, detail, responseBody);
    }

    /// <summary>
    /// What every deployment's body changes from the caller's: asking a stream for its usage, stating
    /// the output ceiling that was reserved (none of either: the caller's bytes go as sent); and whether
    /// the usage chunk is to be hidden again, the caller not having asked for it.
    /// </summary>
    private static (BodyEdits Edits, bool HideUsageChunk) AdjustBody(ProxyRoute route, ProxyRequestBody body, CostEstimate estimate)
    {
        var forceUsage = estimate.Streaming && route.ForceStreamUsage;

        // The API's own default output ceiling, stated, so the upstream is held to what was reserved.
        return (new BodyEdits(forceUsage, estimate.InjectedCeiling), forceUsage && !BodyEdits.CallerAskedForUsage(body.Root));
    }

    /// <summary>The bytes sent to one deployment: the caller's, unless edited or the deployment knows the model by another name.</summary>
    private static byte[] PayloadFor(BodyEdits edits, ProxyRequestBody body, string upstreamModel)
    {
        // Compared in place: no string is made of the body's model on the common path, where it is sent as it came.
        var sameModel = body.Root.TryGetProperty("model", out var m) && m.ValueEquals(upstreamModel);
        return edits.Apply(body.Bytes, body.Root, sameModel ? null : upstreamModel);
    }

    private Task RecordUnattributedAsync(ProxyCall call, string? keyId, string reason, string? model, int status)
    {
        if (keyId is null)
        {
            // No key to speak of (a refusal on a key is logged where its grain's answer is).
            LogRefused(logger, call.Request.RequestId, "", model ?? "", reason);
        }

        var o = options.Value;
        return guard.RecordAsync(new UnattributedDenial(call.Request.RequestId, keyId, reason, call.Route.Endpoint, model, status,
            o.InstanceId, o.Region, call.Request.ClientAddress, time.GetUtcNow()));
    }

    /// <summary>Asks the key's grain whether the key may be used at all; writes the refusal when not.</summary>
    private async Task<bool> AdmitAsync(ProxyCall call, PresentedKey key)
    {
        BeginResult? refused;
        try
        {
            refused = await key.Grain.Admit(call.Request, key.SecretHash).WaitAsync(options.Value.BeginTimeout, time);
        }
        catch (Exception ex)
        {
            // Admit holds nothing: there is nothing to withdraw.
            LogBeginFailed(logger, call.Request.RequestId, ex);
            await WriteUnavailableAsync(call.Context, call.Route.Dialect);
            return false;
        }

        if (refused is not null)
        {
            await RefuseAsync(call, key.KeyId, refused);
            return false;
        }

        return true;
    }

    /// <summary>
    /// A denial from the key's grain, answered. A wrong secret or a key id never issued counts against
    /// the address as a guess; a revoked or expired key does not (it is a real key, audited in its own
    /// ledger, and a forgotten agent looping on it must not lock out everyone behind the same address).
    /// </summary>
    private async Task RefuseAsync(ProxyCall call, string keyId, BeginResult refused)
    {
        ProxyMetrics.Denial(refused.Denial);
        LogRefused(logger, call.Request.RequestId, keyId, call.Request.Model, ProxyMetrics.ReasonName(refused.Denial));
        if (refused.Denial == DenialReason.UnknownKey)
        {
            guard.Failed(call.Request.ClientAddress);
        }

        if (refused.Denial == DenialReason.UnknownKey && refused.UserId is null)
        {
            // No such key: its grain has no ledger to write to.
            await RecordUnattributedAsync(call, keyId, "unknown_key", call.Request.Model is { Length: > 0 } m ? m : null, 401);
        }

        await WriteDenialAsync(call.Context, call.Route.Dialect, refused);
    }

    /// <summary>
    /// Steps 2 and 3: reads the body and works out what the request may cost at most. Null when the
    /// request was refused (the refusal is written); nothing has been reserved or audited then.
    /// </summary>
    private async Task<(ProxyRequestBody Body, CostEstimate Estimate)?> ReadRequestAsync(ProxyCall call, Func<Task<bool>> admit)
    {
        var (context, route) = (call.Context, call.Route);
        var o = options.Value;
        var (body, status, bodyError) = await ProxyRequestBody.ReadAsync(context, o.MaxRequestBodyBytes, o.AuthenticateFirstBytes, admit);
        if (body is null)
        {
            if (status == 0)
            {
                // Refused on the key before the body was read on; the refusal is written.
                return null;
            }

            ProxyMetrics.Refused(ProxyMetrics.Invalid);
            await ProviderErrors.WriteAsync(context, route.Dialect, status, bodyError!, status == 413 ? "request_too_large" : "invalid_json");
            return null;
        }

        var (estimate, code, message) = estimator.Estimate(route, body.Root, body.Bytes);
        if (estimate is null)
        {
            body.Dispose();
            ProxyMetrics.Refused(ProxyMetrics.Invalid);
            await ProviderErrors.WriteAsync(context, route.Dialect, 400, message!, code);
            return null;
        }

        return (body, estimate);
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

    private Task WriteUnavailableAsync(HttpContext context, ApiDialect dialect)
    {
        ProxyMetrics.Refused(ProxyMetrics.Unavailable);
        return ProviderErrors.WriteAsync(context, dialect, 503, "The gateway cannot reach its cluster or storage right now; the request was not sent. Try again shortly.",
            "gateway_unavailable", options.Value.UnavailableRetryAfter);
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
        DenialReason.RequestTooLarge => ProviderErrors.WriteAsync(context, dialect, 400, begin.Message ?? "This request is larger than a per-request limit allows.", "request_too_large"),
        DenialReason.ConcurrencyLimited => ProviderErrors.WriteAsync(context, dialect, 429, begin.Message ?? "Concurrency limit reached.", "rate_limit_exceeded", begin.RetryAfter),
        DenialReason.StorageUnavailable => ProviderErrors.WriteAsync(context, dialect, 503, begin.Message ?? "The gateway cannot record this request right now; it was not sent.", "gateway_unavailable", begin.RetryAfter),
        _ => ProviderErrors.WriteAsync(context, dialect, 503, begin.Message ?? "The gateway cannot record this request right now.", "audit_unavailable", begin.RetryAfter),
    };

    /// <summary>The span attribute naming the request: the <c>x-gateway-request-id</c> header and the ledger row's id.</summary>
    public const string RequestIdAttribute = "gateway.request_id";

    private static readonly Func<ILogger, string, string, IDisposable?> RequestScope =
        LoggerMessage.DefineScope<string, string>("Request {RequestId} on key {KeyId}");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {RequestId} key {KeyId} model {Model}: {Status} {Outcome} in {LatencyMs} ms, cost {CostMicros} micro-USD")]
    private static partial void LogServed(ILogger logger, string requestId, string keyId, string model, int status, string outcome, long latencyMs, long? costMicros);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {RequestId} key {KeyId} model {Model}: refused ({Reason})")]
    private static partial void LogRefused(ILogger logger, string requestId, string keyId, string model, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: content capture could not be stored ({Reason})")]
    private static partial void LogCaptureFailed(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: could not begin on the key's grain; refused with 503")]
    private static partial void LogBeginFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: renewing its lease failed; the next renewal tries again")]
    private static partial void LogRenewFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: upstream {Upstream} {Failure}; failing over to the next deployment")]
    private static partial void LogFailingOver(ILogger logger, string requestId, string upstream, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: forwarding failed ({Reason})")]
    private static partial void LogForwardFailed(ILogger logger, string requestId, string reason);

    /// <summary>One request on its way through the handler: what every step needs to know of it.</summary>
    private sealed class ProxyCall(HttpContext context, ProxyRoute route, long startedTimestamp)
    {
        public HttpContext Context { get; } = context;

        public ProxyRoute Route { get; } = route;

        public long StartedTimestamp { get; } = startedTimestamp;

        /// <summary>What the key's grain is told of the request; the model and streaming are known from step 3 on.</summary>
        public required RequestContext Request { get; set; }
    }

    /// <summary>Which upstream answered a request last, and how many deployments it took.</summary>
    private sealed class AttemptLog
    {
        public string? Upstream { get; set; }

        /// <summary>Its <c>gen_ai.provider.name</c>.</summary>
        public string? Provider { get; set; }

        public int Count { get; set; }

        /// <summary>The deployments left before the last one tried, each with why; null when none was.</summary>
        public List<string>? FailedOver { get; set; }

        /// <summary>
        /// The row's error: a request that failed says why each deployment before the last was left
        /// too, so the last one's error (an open circuit, a timeout) never hides what started the failing over.
        /// </summary>
        public string? Explain(RequestOutcome outcome, string? error) =>
            outcome == RequestOutcome.Completed || FailedOver is null ? error : $"{error}; failed over from {string.Join(", ", FailedOver)}";
    }

    /// <summary>The key a request presented: its id, the hash of its secret, and its grain.</summary>
    private sealed record PresentedKey(string KeyId, string SecretHash, IApiKeyGrain Grain);
}
