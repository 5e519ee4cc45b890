using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Calls to a key's grain that must happen off the client's connection: every settlement (sent as
/// the response ends, waited for here), and the withdrawal of a request the front-end refused with
/// 503 after giving up on its Begin. A call that fails is retried in the background with growing
/// pauses for up to <see cref="FrontendOptions.SettleRetryFor"/>. A settlement's lease is
/// renewed all the while, so the key's sweep does not take a request this front-end served for an
/// abandoned one and charge it at its reservation. Both calls are idempotent per request id on the
/// grain, so a retry whose first try did land changes nothing. On shutdown each gets one last try.
/// </summary>
public sealed partial class KeyCallRetries(TimeProvider time, IOptions<FrontendOptions> options, ILogger<KeyCallRetries> logger) : IHostedService
{
    private static readonly TimeSpan[] Pauses = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];

    /// <summary>The pause before a failed settlement's first retry: long enough for a silo's restart to be noticed.</summary>
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, Task> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Calls still being waited for or retried.</summary>
    public int Count => _pending.Count;

    /// <summary>
    /// Settles a served request. The call leaves before this returns, so it reaches the key's grain
    /// ahead of anything the client sends next on the same connection (Kestrel reads a connection's
    /// next request only once the handler has returned, and calls to one grain keep their order);
    /// its answer, the durable row, is waited for here. <paramref name="lease"/> (the request's lease
    /// renewal) runs until then; a failed call goes on to the retries, which renew the lease themselves.
    /// </summary>
    /// <param name="settled">Told the grain's answer when the first try lands (null when it had to be retried); for the request's log line.</param>
    public void Settle(IApiKeyGrain grain, SettleRequest request, IDisposable lease, Action<SettleResult?>? settled = null)
    {
        Task<SettleResult> sent;
        try
        {
            sent = grain.Settle(request);
        }
        catch (Exception ex)
        {
            sent = Task.FromException<SettleResult>(ex);
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = "settlement:" + request.RequestId;
        _pending[id] = done.Task;
        _ = AwaitSettledAsync(sent, grain, request, lease, id, done, settled);
    }

    private async Task AwaitSettledAsync(Task<SettleResult> sent, IApiKeyGrain grain, SettleRequest request, IDisposable lease, string id, TaskCompletionSource done,
        Action<SettleResult?>? settled)
    {
        try
        {
            var result = await sent;
            _pending.TryRemove(id, out _);
            settled?.Invoke(result);
        }
        catch (Exception ex)
        {
            settled?.Invoke(null);
            LogFirstTryFailed(logger, request.RequestId, ex.Message);
            _pending.TryRemove(id, out _);
            Start("settlement", request.RequestId, () => grain.Settle(request), grain, FirstRetryPause);
        }
        finally
        {
            lease.Dispose();
            done.TrySetResult();
        }
    }

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
            // Again until none is left: a settlement whose first try fails meanwhile starts its retry
            // (its last try, now) after the snapshot the previous wait was taken of.
            while (!_pending.IsEmpty)
            {
                await Task.WhenAll(_pending.Values).WaitAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            LogAbandonedAtShutdown(logger, _pending.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: settlement failed ({Reason}); retrying")]
    private static partial void LogFirstTryFailed(ILogger logger, string requestId, string reason);

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
