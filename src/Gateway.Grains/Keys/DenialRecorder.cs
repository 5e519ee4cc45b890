using Gateway.Storage.Audit;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// Puts the key's refusals on its chain: denials (repeats from one address folded into counted rows
/// by <see cref="DenialAggregator"/>), and requests refused with 503 after they were or may have been
/// held (<see cref="NotSentRequests"/>), which are remembered until their rows are durable so that
/// an intent that lands late is never charged.
/// </summary>
public sealed partial class DenialRecorder(string keyId, Func<KeyState> state, LedgerChain chain, KeyGrainOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>How soon the rows of refusals not sent are tried again after a failure, rather than at the next sweep.</summary>
    private static readonly TimeSpan NotSentRetryPause = TimeSpan.FromSeconds(2);

    private readonly DenialAggregator _denials = new(options.DenialAggregationWindow, options.DenialAggregationSources);
    private readonly NotSentRequests _notSent = new();
    private bool _recordingNotSent;
    private bool _notSentRetryScheduled;

    /// <summary>Refusals not sent whose rows are still to be written: they live only here until they are.</summary>
    public int NotSentCount => _notSent.Count;

    public bool IsNotSent(string requestId) => _notSent.Contains(requestId);

    /// <summary>A denial: a row of its own, or counted into the open window of its address.</summary>
    public async Task AuditAsync(RequestContext context, DenialReason denial, string message)
    {
        var now = time.GetUtcNow();
        await FlushAsync(now);
        if (_denials.TryCount(denial, context, message, now))
        {
            // A repeat within the window of one already written: it goes into that window's counted row.
            return;
        }

        await AppendAsync(context, context.StartedAt, denial, message, 1);
    }

    /// <summary>A denial row of its own, never folded into a counted one.</summary>
    public async Task AppendAsync(RequestContext context, DateTimeOffset startedAt, DenialReason denial, string message, long count)
    {
        try
        {
            await chain.AppendAsync(Row(context, startedAt, denial, message, count));
        }
        catch (Exception ex)
        {
            // The request is refused whatever happens here; nothing went upstream.
            LogDenialNotAudited(logger, keyId, context.RequestId, ex);
        }
    }

    /// <summary>A request refused with 503 before anything went out: remembered, and its row written soon.</summary>
    public void NotSent(RequestContext context, DenialReason reason, string message)
    {
        _notSent.Add(context, reason, message);
        _ = RecordNotSentAsync();
    }

    /// <summary>
    /// Writes the denial rows of requests refused for want of storage, oldest first; each row replaces
    /// the request's intent, had it landed. One pass at a time; what fails is tried again shortly.
    /// </summary>
    public async Task RecordNotSentAsync()
    {
        if (_recordingNotSent || _notSent.Count == 0 || !state().Exists)
        {
            return;
        }

        _recordingNotSent = true;
        try
        {
            // All queued at once, so they share journal transactions rather than a round trip each.
            var pending = _notSent.Pending();
            var appends = pending.Select(n => chain.AppendAsync(Row(n.Context, n.Context.StartedAt, n.Reason, n.Message, 1))).ToList();
            Exception? failure = null;
            for (var i = 0; i < pending.Count; i++)
            {
                try
                {
                    await appends[i];
                }
                catch (Exception ex)
                {
                    failure ??= ex;
                    continue;
                }

                _notSent.Remove(pending[i].Context.RequestId);
            }

            if (failure is not null)
            {
                LogNotSentPending(logger, keyId, _notSent.Count, failure);
                _ = RecordNotSentSoonAsync();
            }
        }
        finally
        {
            _recordingNotSent = false;
        }
    }

    /// <summary>Writes the counted rows of denial windows that ended by <paramref name="now"/> (all, when null).</summary>
    public async Task FlushAsync(DateTimeOffset? now)
    {
        if (!state().Exists)
        {
            return;
        }

        foreach (var repeats in _denials.TakeDue(now))
        {
            var last = repeats.Last;
            var detail = $"{repeats.Count} more requests refused for the same reason from {last.ClientAddress ?? "an unknown address"} "
                + $"between {repeats.First.StartedAt:u} and {last.StartedAt:u} (last request {last.RequestId}): {repeats.Message}";
            await AppendAsync(last, repeats.First.StartedAt, repeats.Reason, detail, repeats.Count);
        }
    }

    /// <summary>One retry scheduled at a time.</summary>
    private async Task RecordNotSentSoonAsync()
    {
        if (_notSentRetryScheduled)
        {
            return;
        }

        _notSentRetryScheduled = true;
        try
        {
            await Task.Delay(NotSentRetryPause, time);
        }
        finally
        {
            _notSentRetryScheduled = false;
        }

        await RecordNotSentAsync();
    }

    private AuditRecord Row(RequestContext context, DateTimeOffset startedAt, DenialReason denial, string message, long count) =>
        AuditRows.Denial(keyId, state().UserId, context, startedAt, denial, message, count, time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: {Count} requests refused for want of storage still wait for their denial rows; retrying shortly")]
    private static partial void LogNotSentPending(ILogger logger, string keyId, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: denial of request {RequestId} could not be audited")]
    private static partial void LogDenialNotAudited(ILogger logger, string keyId, string requestId, Exception exception);
}
