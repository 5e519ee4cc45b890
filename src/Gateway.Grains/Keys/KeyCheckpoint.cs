using Gateway.Grains.Budgets;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// The key's persisted state as a checkpoint of its live parts: the budget's spend and period, the
/// chain's head and request count. An activation starts from it and replays the rows written since;
/// writing it now and then bounds that replay. The state's shape is the key's from before the
/// budget was a <see cref="BudgetAccount"/>: the budget state is a view rebuilt from it.
/// </summary>
public sealed partial class KeyCheckpoint(string keyId, IPersistentState<KeyState> state, LedgerChain chain, ChainTimeline timeline, Func<long> ledgerUnfinishedFrom, ILogger logger)
{
    // Reentrancy means two checkpoints could overlap; storage ETags allow one writer at a time.
    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool _inBackground;

    /// <summary>The key's budget as <see cref="BudgetAccount"/> keeps it: limits and spend from the key's state.</summary>
    public BudgetState Budget { get; private set; } = new();

    /// <summary>Whether the newest row is in the checkpoint.</summary>
    public bool IsCurrent => state.State.CheckpointSequence == chain.Sequence;

    /// <summary>Rows committed since the checkpoint.</summary>
    public long RowsSince => chain.Sequence - state.State.CheckpointSequence;

    /// <summary>Starts the live parts from the state as read (or as just created).</summary>
    public void Load()
    {
        var s = state.State;
        chain.Restore(s.CheckpointSequence, s.CheckpointHash, s.CheckpointRequestCount);
        Budget = new BudgetState
        {
            CapMicros = s.CapMicros,
            Period = s.Period,
            Rpm = s.Rpm,
            Tpm = s.Tpm,
            Controls = s.Controls,
            PeriodStart = s.CheckpointPeriodStart,
            SpentMicros = s.CheckpointSpentMicros,
            PeriodRequests = s.CheckpointPeriodRequests,
            Applied = new(StringComparer.Ordinal) { [keyId] = s.CheckpointSequence },
            // The same objects: what the budget adds to them is in the state without copying.
            PastPeriods = s.PastPeriods,
            Alerts = s.Alerts,
        };
    }

    public async Task WriteAsync()
    {
        await _lock.WaitAsync();
        try
        {
            var (s, b) = (state.State, Budget);
            (s.CapMicros, s.Period, s.Rpm, s.Tpm, s.Controls) = (b.CapMicros ?? 0, b.Period, b.Rpm, b.Tpm, b.Controls);
            s.CheckpointSequence = chain.Sequence;
            s.CheckpointHash = chain.LastHash;
            s.CheckpointRequestCount = chain.RequestCount;
            s.CheckpointSpentMicros = b.SpentMicros;
            s.CheckpointPeriodStart = b.PeriodStart;
            s.CheckpointPeriodRequests = b.PeriodRequests;
            s.LedgerUnfinishedFrom = ledgerUnfinishedFrom();
            timeline.Mark();
            await state.WriteStateAsync();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A checkpoint off the caller's path; one at a time, and one asked for while one runs is not queued.</summary>
    public void WriteInBackground()
    {
        if (!_inBackground)
        {
            _inBackground = true;
            _ = WriteInBackgroundAsync();
        }
    }

    private async Task WriteInBackgroundAsync()
    {
        try
        {
            await WriteAsync();
        }
        catch (Exception ex)
        {
            // Only replay at the next activation grows; the ledger already holds every row.
            LogCheckpointFailed(logger, keyId, ex);
        }
        finally
        {
            _inBackground = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: checkpoint failed")]
    private static partial void LogCheckpointFailed(ILogger logger, string keyId, Exception exception);
}
