using Gateway.Storage.Audit;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// Passes the key's committed rows on to its user's budget (which passes them to the team's), in
/// sequence order, one call at a time. A call that fails is retried a few times; after that the
/// user's budget fills the gap from the ledger when it next hears from this key, or when it sweeps.
/// </summary>
public sealed partial class SettledForwarder(string keyId, Func<IBudgetGrain> budget, ILogger logger)
{
    /// <summary>Rows per call: enough to catch up after a burst, small enough for one message.</summary>
    private const int BatchRows = 500;

    /// <summary>Tries per batch before leaving it to the budget's own gap filling.</summary>
    private const int Attempts = 3;

    private readonly List<LedgerEntry> _queue = [];
    private bool _forwarding;
    private Task _loop = Task.CompletedTask;

    /// <summary>Finishes when the rows queued so far are passed on (or given up on).</summary>
    public Task Drained => _loop;

    public void Forward(IReadOnlyList<AuditRecord> records)
    {
        _queue.AddRange(records.Select(Budgets.BudgetAccount.ToEntry));
        if (!_forwarding)
        {
            _forwarding = true;
            _loop = RunAsync();
        }
    }

    private async Task RunAsync()
    {
        try
        {
            var target = budget();
            while (_queue.Count > 0)
            {
                var batch = _queue.Take(BatchRows).ToList();
                _queue.RemoveRange(0, batch.Count);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await target.Settled(keyId, batch);
                        break;
                    }
                    catch (Exception ex) when (attempt < Attempts)
                    {
                        LogForwardRetry(logger, keyId, batch.Count, ex);
                    }
                    catch (Exception ex)
                    {
                        LogForwardFailed(logger, keyId, batch.Count, ex);
                        break;
                    }
                }
            }
        }
        finally
        {
            _forwarding = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: passing {Count} settled rows to the user's budget failed; retrying")]
    private static partial void LogForwardRetry(ILogger logger, string keyId, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: passing {Count} settled rows to the user's budget failed; it will read them from the ledger")]
    private static partial void LogForwardFailed(ILogger logger, string keyId, int count, Exception exception);
}
