using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Gateway.Storage.Admin;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Grains.Alerts;

/// <summary>
/// Takes budget alerts off the request path and records each one: a row in the admin audit, a log
/// line, and a POST to the webhook if one is configured. Alerts are queued in memory (bounded; a
/// full queue drops, counts and logs), so alerts still queued when the silo stops are lost: they
/// are advisory, and the ledger stays the record of spend.
/// </summary>
/// <remarks>
/// One loop writes the audit rows in order; webhook deliveries run on a few workers of their own,
/// so a webhook that hangs or keeps failing holds up neither the audit trail nor, beyond its own
/// worker, the deliveries of other alerts.
/// </remarks>
public sealed partial class BudgetAlertDispatcher : BackgroundService, IBudgetAlertSink
{
    public const string HttpClientName = "budget-alerts";
    public const string MeterName = "Gateway.Alerts";
    public const string AuditAction = BudgetAlert.ThresholdAction;

    private const int DeliveryWorkers = 4;
    private const int AuditAttempts = 5;
    private static readonly TimeSpan MaxAuditRetryDelay = TimeSpan.FromSeconds(30);

    private readonly AdminAuditLog _audit;
    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _time;
    private readonly AlertOptions _options;
    private readonly ILogger<BudgetAlertDispatcher> _logger;
    private readonly Uri? _webhook;
    private readonly Channel<BudgetAlert> _queue;
    private readonly Channel<BudgetAlert>? _deliveries;
    private readonly Counter<long> _outcomes;
    private long _dropped;
    private long _audited;
    private long _delivered;
    private long _deliveryFailures;

    public BudgetAlertDispatcher(
        AdminAuditLog audit,
        IHttpClientFactory http,
        TimeProvider time,
        IOptions<AlertOptions> options,
        IMeterFactory meters,
        ILogger<BudgetAlertDispatcher> logger)
    {
        _audit = audit;
        _http = http;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _webhook = _options.WebhookUri;
        // Wait mode only so that TryWrite reports a full queue; Publish never waits.
        var bounded = new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true };
        _queue = Channel.CreateBounded<BudgetAlert>(bounded);
        _deliveries = _webhook is null ? null : Channel.CreateBounded<BudgetAlert>(new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
        _outcomes = meters.Create(MeterName).CreateCounter<long>("gateway.budget_alerts", description: "Budget alerts by outcome: dropped, audited, audit_failed, delivered, delivery_failed, delivery_dropped.");
    }

    /// <summary>Alerts refused because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Alerts written to the admin audit.</summary>
    public long Audited => Interlocked.Read(ref _audited);

    /// <summary>Alerts the webhook accepted.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Alerts given up on: refused by the webhook, out of attempts, or with no room in the delivery queue.</summary>
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);

    public void Publish(BudgetAlert alert)
    {
        if (_queue.Writer.TryWrite(alert))
        {
            return;
        }

        Interlocked.Increment(ref _dropped);
        Count("dropped");
        LogDropped(_logger, alert.Target, alert.ThresholdPercent, _options.QueueCapacity);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task> { RecordLoopAsync(stoppingToken) };
        if (_deliveries is not null)
        {
            loops.AddRange(Enumerable.Range(0, DeliveryWorkers).Select(_ => DeliveryLoopAsync(_deliveries.Reader, stoppingToken)));
        }

        return Task.WhenAll(loops);
    }

    private async Task RecordLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                var message = alert.ToMessage();
                LogAlert(_logger, message);
                await RecordAsync(alert, message, stoppingToken);
                if (_deliveries is not null && !_deliveries.Writer.TryWrite(alert))
                {
                    Interlocked.Increment(ref _deliveryFailures);
                    Count("delivery_dropped");
                    LogDeliveryDropped(_logger, alert.Target, alert.ThresholdPercent);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RecordAsync(BudgetAlert alert, string message, CancellationToken stoppingToken)
    {
        var entry = new AdminAuditEntry(alert.At, alert.AuditAction, "gateway", "budget alerts", alert.Target, true, 0, message, null, alert.ToJson(), null);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _audit.RecordAsync(entry, stoppingToken);
                Interlocked.Increment(ref _audited);
                Count("audited");
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (attempt >= AuditAttempts)
                {
                    Count("audit_failed");
                    LogAuditFailed(_logger, alert.Target, alert.ThresholdPercent, attempt, ex.Message);
                    return;
                }
            }

            var ceiling = _options.MaxRetryDelay < MaxAuditRetryDelay ? _options.MaxRetryDelay : MaxAuditRetryDelay;
            await Task.Delay(Backoff(attempt, _options.InitialRetryDelay, ceiling), _time, stoppingToken);
        }
    }

    private async Task DeliveryLoopAsync(ChannelReader<BudgetAlert> deliveries, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in deliveries.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await DeliverAsync(alert, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Whatever went wrong with one alert, the worker stays up for the next.
                    Interlocked.Increment(ref _deliveryFailures);
                    Count("delivery_failed");
                    LogDeliveryFailed(_logger, alert.Target, alert.ThresholdPercent, 0, ex.GetType().Name, "unexpected error");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(BudgetAlert alert, CancellationToken stoppingToken)
    {
        var payload = SlackPayload.Create(alert.ToMessage());
        var client = _http.CreateClient(HttpClientName);
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            bool retryable;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _webhook) { Content = new ByteArrayContent(payload) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                using var response = await client.SendAsync(request, stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _delivered);
                    Count("delivered");
                    return;
                }

                var status = (int)response.StatusCode;
                retryable = status is 408 or 429 or >= 500;
                failure = $"HTTP {status}{await ErrorCodeAsync(response, stoppingToken)}";
                if (status is 429 or 503)
                {
                    retryAfter = RetryAfter(response.Headers.RetryAfter);
                }
            }
            catch (HttpRequestException ex)
            {
                // The error kind, never the message: messages can carry the endpoint.
                (failure, retryable) = ($"network error ({ex.HttpRequestError})", true);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                (failure, retryable) = ("timed out", true);
            }

            if (!retryable || attempt >= _options.MaxAttempts)
            {
                Interlocked.Increment(ref _deliveryFailures);
                Count("delivery_failed");
                LogDeliveryFailed(_logger, alert.Target, alert.ThresholdPercent, attempt, failure, retryable ? "out of attempts" : "not retryable");
                return;
            }

            var delay = retryAfter ?? Backoff(attempt, _options.InitialRetryDelay, _options.MaxRetryDelay);
            LogRetrying(_logger, alert.Target, alert.ThresholdPercent, attempt, failure, delay);
            await Task.Delay(delay, _time, stoppingToken);
        }
    }

    /// <summary>Slack answers failures with a short code (<c>invalid_payload</c>, <c>no_service</c>); anything else is not shown.</summary>
    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return ErrorCode().IsMatch(body) ? $" {body}" : "";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return "";
        }
    }

    /// <summary>The webhook's <c>Retry-After</c> (seconds or a date), kept within 0 and <see cref="AlertOptions.MaxRetryDelay"/>.</summary>
    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        var wait = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is not { } w)
        {
            return null;
        }

        return w < TimeSpan.Zero ? TimeSpan.Zero : w > _options.MaxRetryDelay ? _options.MaxRetryDelay : w;
    }

    /// <summary>Exponential from <paramref name="initial"/>, capped, with "equal jitter": half fixed, half random.</summary>
    private static TimeSpan Backoff(int attempt, TimeSpan initial, TimeSpan max)
    {
        var ceiling = Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromTicks((long)(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2));
    }

    private void Count(string outcome) => _outcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    [GeneratedRegex("^[a-z_]{1,64}$")]
    private static partial Regex ErrorCode();
}
