using System.Net;
using System.Net.Sockets;
using Gateway.Storage.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Counts failed admin authentications per client address in fixed windows (see
/// <see cref="AdminAuthOptions"/>): says when an address must wait, and keeps the admin audit to one
/// row per address per window, its count written when the window closes. Kept in memory by each
/// front-end: a limit per front-end, and nothing to write on the path of a refused call but that
/// window's first row. Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class AdminAuthFailures : IAsyncDisposable, IDisposable
{
    /// <summary>The one count shared by addresses beyond <see cref="AdminAuthOptions.MaxTrackedAddresses"/>.</summary>
    private const string Overflow = "(other addresses)";

    private readonly AdminAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly AdminAuthOptions _options;
    private readonly ILogger<AdminAuthFailures> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Window> _open = new(StringComparer.Ordinal);
    private readonly List<Window> _closed = [];
    // Never disposed: without a wait handle a SemaphoreSlim holds nothing, and a late timer tick may still touch it.
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly ITimer _timer;

    public AdminAuthFailures(AdminAuditLog audit, TimeProvider time, IOptions<AdminAuthOptions> options, ILogger<AdminAuthFailures> logger)
    {
        _audit = audit;
        _time = time;
        _options = options.Value;
        _logger = logger;

        // A window's count is written at the first tick after it closes: at most one window late.
        _timer = time.CreateTimer(_ => _ = FlushAsync(closeAll: false), null, _options.FailedAttemptWindow, _options.FailedAttemptWindow);
    }

    /// <summary>What failures are counted by: the address, or its /64 for IPv6 (one host often holds a whole /64).</summary>
    public static string SourceOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>How long <paramref name="source"/> must wait before its next admin call, or null when it may call now.</summary>
    public TimeSpan? RetryAfter(string source)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var window = _open.GetValueOrDefault(source) ?? (_open.Count >= _options.MaxTrackedAddresses ? _open.GetValueOrDefault(Overflow) : null);
            return window is not null && now < window.End && window.Attempts >= _options.FailedAttemptLimit ? window.End - now : null;
        }
    }

    /// <summary>
    /// Counts a failed attempt. The first of its window is written to the admin audit before this
    /// returns; the others are added to that row's count when the window closes.
    /// </summary>
    public async Task RecordAsync(string source, AdminAuditEntry entry)
    {
        Window window;
        TaskCompletionSource? firstWrite = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var key = _open.ContainsKey(source) || _open.Count < _options.MaxTrackedAddresses ? source : Overflow;
            if (!_open.TryGetValue(key, out var current) || now >= current.End)
            {
                if (current is not null)
                {
                    _closed.Add(current);
                }

                current = new Window(now + _options.FailedAttemptWindow, entry);
                _open[key] = current;
            }

            window = current;
            window.Attempts++;
            window.LastAt = now;
            if (window.Attempts == 1)
            {
                firstWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                window.FirstWrite = firstWrite.Task;
            }
        }

        if (firstWrite is not null)
        {
            await WriteFirstAsync(window);
            firstWrite.SetResult();
        }
    }

    /// <summary>Stops counting; counts not yet written are lost (the host disposes asynchronously, which writes them).</summary>
    public void Dispose()
    {
        _timer.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();

        // Counts still open are written now rather than lost with the process.
        await FlushAsync(closeAll: true);
    }

    private async Task WriteFirstAsync(Window window)
    {
        try
        {
            // A failed attempt is recorded even if the caller has gone: CancellationToken.None is deliberate;
            // the table client's own timeout and retries bound the wait.
            var rowKey = await _audit.RecordAsync(window.First, CancellationToken.None);
            lock (_lock)
            {
                (window.RowKey, window.Recorded) = (rowKey, 1);
            }
        }
        catch (Exception ex)
        {
            // The count is still kept: the window's row is written when it closes.
            LogFirstNotAudited(_logger, window.First.ClientAddress, ex);
        }
    }

    private async Task FlushAsync(bool closeAll)
    {
        if (!await _flushing.WaitAsync(0))
        {
            return; // the flush already running takes these windows too
        }

        try
        {
            List<Window> due;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                foreach (var (key, window) in _open.Where(kv => closeAll || now >= kv.Value.End).ToList())
                {
                    _open.Remove(key);
                    _closed.Add(window);
                }

                due = [.. _closed];
                _closed.Clear();
            }

            foreach (var window in due)
            {
                await WriteCountAsync(window);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task WriteCountAsync(Window window)
    {
        if (window.FirstWrite is { } first)
        {
            await first;
        }

        int attempts, recorded;
        DateTimeOffset lastAt;
        string? rowKey;
        lock (_lock)
        {
            (attempts, recorded, lastAt, rowKey) = (window.Attempts, window.Recorded, window.LastAt, window.RowKey);
        }

        if (attempts <= recorded)
        {
            return;
        }

        try
        {
            if (rowKey is null)
            {
                await _audit.RecordAsync(window.First with { Attempts = attempts, LastAttemptAt = lastAt }, CancellationToken.None);
            }
            else
            {
                await _audit.CountAttemptsAsync(rowKey, attempts, lastAt, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            LogCountNotAudited(_logger, window.First.ClientAddress, attempts, ex);
        }
    }

    /// <summary>One address's failures in one window; mutable fields change under the lock.</summary>
    private sealed class Window(DateTimeOffset end, AdminAuditEntry first)
    {
        public DateTimeOffset End { get; } = end;
        public AdminAuditEntry First { get; } = first;
        public int Attempts { get; set; }
        public DateTimeOffset LastAt { get; set; }
        public Task? FirstWrite { get; set; }
        public string? RowKey { get; set; }
        public int Recorded { get; set; }
    }
}
