using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// What this front-end does about callers that keep failing to authenticate: past
/// <see cref="FrontendOptions.FailedAuthPerMinute"/> failures in a minute, an address is refused
/// before any grain or storage work until the minute is over; and the refusals no key owns are
/// recorded one row for the first of a kind from an address, then one counted row for the repeats
/// of each window, so a flood costs a few rows rather than one per request. Per front-end, in memory:
/// a fleet of N front-ends admits at most N times the limit.
/// </summary>
public sealed partial class AuthFailureGuard(IGrainFactory grains, TimeProvider time, IOptions<FrontendOptions> options, ILogger<AuthFailureGuard> logger)
    : BackgroundService
{
    /// <summary>Addresses tracked at once; a flood from more addresses than this is recorded one row each.</summary>
    private const int MaxTracked = 100_000;
    private static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Reason, string Address), Repeats> _repeats = new();

    /// <summary>How long the address must wait when it is over its failed-authentication limit; null when it may go on.</summary>
    public TimeSpan? RetryAfter(string? address)
    {
        var limit = options.Value.FailedAuthPerMinute;
        if (limit == 0 || !_failures.TryGetValue(address ?? "", out var failures))
        {
            return null;
        }

        lock (failures)
        {
            var now = time.GetUtcNow();
            return failures.Count >= limit && now < failures.Start + FailureWindow ? failures.Start + FailureWindow - now : null;
        }
    }

    /// <summary>The refusal an address over its limit gets, in the caller's API format, with how long to wait.</summary>
    public static Task WriteThrottledAsync(Microsoft.AspNetCore.Http.HttpContext context, ApiDialect dialect, TimeSpan wait) =>
        ProviderErrors.WriteAsync(context, dialect, 429, "Too many requests with invalid API keys from your address; try again later.", "rate_limit_exceeded", wait);

    /// <summary>Counts a failed authentication against the address.</summary>
    public void Failed(string? address)
    {
        if (options.Value.FailedAuthPerMinute == 0 || (_failures.Count >= MaxTracked && !_failures.ContainsKey(address ?? "")))
        {
            return;
        }

        var failures = _failures.GetOrAdd(address ?? "", _ => new Failures());
        lock (failures)
        {
            var now = time.GetUtcNow();
            if (now >= failures.Start + FailureWindow)
            {
                (failures.Start, failures.Count) = (now, 0);
            }

            failures.Count++;
        }
    }

    /// <summary>
    /// Records a refusal no key owns: written now when it is the first of its kind from its address
    /// in the window, otherwise counted into the window's row.
    /// </summary>
    public async Task RecordAsync(UnattributedDenial denial)
    {
        var window = options.Value.DenialAggregationWindow;
        var source = (denial.Reason, denial.ClientAddress ?? "");
        while (window > TimeSpan.Zero && (_repeats.Count < MaxTracked || _repeats.ContainsKey(source)))
        {
            var repeats = _repeats.GetOrAdd(source, _ => new Repeats());
            lock (repeats)
            {
                if (repeats.Removed)
                {
                    // The flush loop took this window between the lookup and the lock: use a fresh one.
                    continue;
                }

                if (repeats.WindowEnd is { } end && denial.RecordedAt < end)
                {
                    repeats.Count++;
                    repeats.First ??= denial;
                    repeats.Last = denial;
                    return;
                }

                // A new window opens with this row; the one before it (if it counted repeats) was
                // written by the flush loop when it ended.
                repeats.WindowEnd = denial.RecordedAt + window;
                break;
            }
        }

        await WriteAsync(denial);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // Counted repeats still open are written on the way out rather than lost.
        await FlushAsync(null);
    }

    /// <summary>Writes the counted rows of windows that ended by <paramref name="now"/> (every window, when null) and forgets old failures.</summary>
    public async Task FlushAsync(DateTimeOffset? now)
    {
        foreach (var (source, repeats) in _repeats)
        {
            UnattributedDenial? row = null;
            lock (repeats)
            {
                if (now is not null && repeats.WindowEnd > now)
                {
                    continue;
                }

                if (repeats.Count > 0)
                {
                    row = repeats.Last! with { Count = repeats.Count, FirstAt = repeats.First!.RecordedAt };
                }

                repeats.Removed = true;
                _repeats.TryRemove(new KeyValuePair<(string, string), Repeats>(source, repeats));
            }

            if (row is not null)
            {
                await WriteAsync(row);
            }
        }

        var cutoff = (now ?? time.GetUtcNow()) - FailureWindow;
        foreach (var (address, failures) in _failures)
        {
            lock (failures)
            {
                if (failures.Start < cutoff)
                {
                    _failures.TryRemove(new KeyValuePair<string, Failures>(address, failures));
                }
            }
        }
    }

    private async Task WriteAsync(UnattributedDenial denial)
    {
        try
        {
            // Written on the grain side: front-ends write no ledger rows.
            await grains.GetGrain<IUnattributedDenialsGrain>(0).Record(denial);
        }
        catch (Exception ex)
        {
            // The request is refused whatever happens here, and nothing went upstream.
            LogNotAudited(logger, denial.RequestId, denial.Count, ex);
        }
    }

    private sealed class Failures
    {
        public DateTimeOffset Start { get; set; }
        public int Count { get; set; }
    }

    private sealed class Repeats
    {
        public DateTimeOffset? WindowEnd { get; set; }
        public long Count { get; set; }
        public UnattributedDenial? First { get; set; }
        public UnattributedDenial? Last { get; set; }
        public bool Removed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: a refusal no key owns (standing for {Count} requests) could not be audited")]
    private static partial void LogNotAudited(ILogger logger, string requestId, long count, Exception exception);
}
