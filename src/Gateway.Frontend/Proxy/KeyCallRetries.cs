using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Calls to a key's grain that must happen but could not on the request path (storage or the key's
/// silo was down): a settlement, or the withdrawal of a request the front-end refused with 503 after
/// giving up on its Begin. Each is retried in the background, off the client's connection, with
/// growing pauses for up to <see cref="FrontendOptions.SettleRetryFor"/>. A settlement's lease is
/// renewed all the while, so the key's sweep does not take a request this front-end served for an
/// abandoned one and charge it at its reservation. Both calls are idempotent per request id on the
/// grain, so a retry whose first try did land changes nothing. On shutdown each gets one last try.
/// </summary>
public sealed partial class KeyCallRetries(TimeProvider time, IOptions<FrontendOptions> options, ILogger<KeyCallRetries> logger) : IHostedService
{
    private static readonly TimeSpan[] Pauses = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];

    private readonly ConcurrentDictionary<string, Task> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Calls still being retried.</summary>
    public int Count => _pending.Count;

    /// <summary>Settles the request, renewing its lease until it is settled.</summary>
    public void Settle(IApiKeyGrain grain, SettleRequest request) =>
        Start("settlement", request.RequestId, () => grain.Settle(request), grain);

    /// <summary>Withdraws a request refused with 503 from its key, so it is recorded as not sent and never charged.</summary>
    public void Withdraw(IApiKeyGrain grain, RequestContext context) =>
        Start("withdrawal", context.RequestId, () => grain.Withdraw(context), renew: null, firstPause: TimeSpan.Zero);

    private void Start(string what, string requestId, Func<Task> call, IApiKeyGrain? renew, TimeSpan? firstPause = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[what + ":" + requestId] = done.Task;
        _ = RetryAsync(what, requestId, call, renew, firstPause, done);
    }

    private async Task RetryAsync(string what, string requestId, Func<Task> call, IApiKeyGrain? renew, TimeSpan? firstPause, TaskCompletionSource done)
    {
        var giveUpAt = time.GetUtcNow() + options.Value.SettleRetryFor;
        using var lease = renew is null ? null : time.CreateTimer(_ => Renew(renew, requestId), null, TimeSpan.Zero, options.Value.LeaseRenewEvery);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var pause = attempt == 0 && firstPause is { } first ? first : Pauses[Math.Min(attempt, Pauses.Length - 1)];
                    await Task.Delay(pause, time, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    // Shutting down: one last try, now.
                }

                try
                {
                    await call();
                    LogDone(logger, what, requestId, attempt + 1);
                    return;
                }
                catch (Exception ex) when (!_stopping.IsCancellationRequested && time.GetUtcNow() < giveUpAt)
                {
                    LogStillFailing(logger, what, requestId, ex.Message);
                }
                catch (Exception ex)
                {
                    // A settlement's intent is still in the journal: once its lease runs out, the sweep
                    // settles it as unknown. A withdrawal's request held nothing unless its Begin landed.
                    LogGaveUp(logger, what, requestId, ex.Message);
                    return;
                }
            }
        }
        finally
        {
            _pending.TryRemove(what + ":" + requestId, out _);
            done.TrySetResult();
        }
    }

    private void Renew(IApiKeyGrain grain, string requestId)
    {
        try
        {
            _ = grain.Renew(requestId);
        }
        catch (Exception ex)
        {
            LogRenewFailed(logger, requestId, ex.Message);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_pending.Values).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogAbandonedAtShutdown(logger, _pending.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId}: {What} done on try {Attempt} in the background")]
    private static partial void LogDone(ILogger logger, string what, string requestId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: {What} still failing ({Reason}); retrying")]
    private static partial void LogStillFailing(ILogger logger, string what, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: {What} gave up ({Reason}); a settlement is left to the key's sweep, which charges it as unknown at its reservation")]
    private static partial void LogGaveUp(ILogger logger, string what, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: renewing its lease failed ({Reason})")]
    private static partial void LogRenewFailed(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} calls to key grains were still failing at shutdown")]
    private static partial void LogAbandonedAtShutdown(ILogger logger, int count);
}
