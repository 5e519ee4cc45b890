using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// At activation: brings the key's chain and spend up to date from its checkpoint, its ledger
/// partition and its journal shard, and hands back the intents still open. Read in that order
/// (journal first), a row the copier moves meanwhile is still seen, in the ledger.
/// </summary>
public sealed partial class ChainRecovery(string keyId, AuditLedger ledger, IntentJournal journal, LedgerCopier copier, LedgerChain chain,
    Settlements settlements, ILogger logger)
{
    /// <summary>
    /// Counts (through <paramref name="count"/>, after the chain has advanced) every row written
    /// after the checkpoint exactly once, sends the journal's settled rows to the copier, reseals
    /// fork rows, and returns the key's open intents.
    /// </summary>
    public async Task<IReadOnlyList<IntentEntry>> RecoverAsync(KeyState checkpoint, Action<AuditRecord> count, CancellationToken cancellationToken)
    {
        var (intents, settled) = await journal.ReadKeyAsync(keyId, cancellationToken);
        var known = new Dictionary<long, (string Hash, string? Previous)>();
        if (checkpoint.CheckpointSequence > 0)
        {
            known[checkpoint.CheckpointSequence] = (checkpoint.CheckpointHash, null);
        }

        await foreach (var row in ledger.ReadCopiedAfterAsync(keyId, chain.Sequence, cancellationToken))
        {
            Apply(row, count);
            known[row.Sequence] = (row.Hash, row.PreviousHash);
        }

        await RecoverSettledAsync(settled, known, count, cancellationToken);
        return intents;
    }

    private void Apply(AuditRecord row, Action<AuditRecord> count)
    {
        chain.Advance(row);
        count(row);
        settlements.MarkSettled(row.RequestId);
    }

    /// <summary>
    /// Settled rows a previous activation left in the journal, given the chain as far as the
    /// checkpoint and the ledger know it (sequence → hash and link). Rows that continue the chain
    /// from its head are counted now. Rows at or below the head that are on the chain (the ledger
    /// or the chain holds that very row, or the next row links to it) were counted already. All of
    /// these go to the copier, which copies what is missing and retires them. A row that is on
    /// neither belongs to a fork (two activations wrote the same sequence): it is a real settlement,
    /// so unless its request is settled already it is sealed again at the end of the chain.
    /// </summary>
    private async Task RecoverSettledAsync(IReadOnlyList<AuditRecord> settled, Dictionary<long, (string Hash, string? Previous)> known,
        Action<AuditRecord> count, CancellationToken cancellationToken)
    {
        var copy = new List<AuditRecord>();
        var rest = new List<AuditRecord>();
        foreach (var row in settled)
        {
            if (row.Sequence == chain.Sequence + 1 && row.PreviousHash == chain.LastHash)
            {
                Apply(row, count);
                known[row.Sequence] = (row.Hash, row.PreviousHash);
                copy.Add(row);
            }
            else
            {
                rest.Add(row);
            }
        }

        var reseal = new List<AuditRecord>();
        foreach (var row in rest.OrderByDescending(r => r.Sequence))
        {
            var onChain = row.Sequence <= chain.Sequence
                && ((known.TryGetValue(row.Sequence, out var at) && at.Hash == row.Hash)
                    || (known.TryGetValue(row.Sequence + 1, out var next) && next.Previous == row.Hash)
                    || await ledger.HoldsAsync(row, cancellationToken));
            if (onChain)
            {
                known[row.Sequence] = (row.Hash, row.PreviousHash);
                settlements.MarkSettled(row.RequestId);
                copy.Add(row);
            }
            else if (!settlements.IsSettled(row.RequestId))
            {
                reseal.Add(row);
            }
        }

        copier.Copy(keyId, copy);
        foreach (var row in reseal)
        {
            LogResealed(logger, keyId, row.RequestId, row.Sequence);
            settlements.MarkSettled(row.RequestId);
            _ = ResealAsync(row);
        }
    }

    private async Task ResealAsync(AuditRecord row)
    {
        try
        {
            await chain.AppendAsync(row with { Sequence = 0, PreviousHash = "", Hash = "", JournalPartition = null });
            if (row.JournalPartition is { } partition && partition != journal.PartitionFor(keyId))
            {
                // Sealed again in the key's partition: the fork row, under another shard count's, goes.
                await journal.RetireSettledAsync(row);
            }
        }
        catch (Exception ex)
        {
            // Still in the journal under its old sequence: the next activation tries again.
            LogResealFailed(logger, keyId, row.RequestId, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId}'s row at sequence {Sequence} in the journal is off the chain (a fork); sealing it again at the chain's end")]
    private static partial void LogResealed(ILogger logger, string keyId, string requestId, long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: sealing request {RequestId}'s fork row again failed; the next activation tries again")]
    private static partial void LogResealFailed(ILogger logger, string keyId, string requestId, Exception exception);
}
