using Gateway.Storage.Audit;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Keys;

/// <summary>
/// At activation: brings the key's chain and spend up to date from its checkpoint, its ledger
/// partition and its journal shard, and hands back the intents still open. Read in that order
/// (journal first), a row the copier moves meanwhile is still seen, in the ledger; and an intent the
/// copier retires meanwhile (its row in the ledger already) has its row there too.
/// </summary>
public sealed partial class ChainRecovery(string keyId, AuditLedger ledger, IntentJournal journal, LedgerCopier copier, LedgerChain chain,
    Settlements settlements, KeyGrainOptions options, TimeProvider time, ILogger logger)
{
    // When the sweep's call last looked at the key's old settled rows (TidyAsync).
    private DateTimeOffset _tidiedAt = DateTimeOffset.MinValue;

    /// <summary>
    /// Counts (through <paramref name="count"/>, after the chain has advanced) every row written
    /// after the checkpoint exactly once, sends the journal's settled rows to the copier, reseals
    /// fork rows, and returns the key's open intents. An intent whose request has a row in the ledger
    /// is what a busy key's commit written straight into the ledger leaves until the copier has
    /// applied the row's rollups and retired the intent: the ledger is read from far enough back to
    /// find such rows (<see cref="ReadFrom"/>), and they go to the copier to finish that.
    /// </summary>
    public async Task<IReadOnlyList<IntentEntry>> RecoverAsync(KeyState checkpoint, Action<AuditRecord> count, CancellationToken cancellationToken)
    {
        var (intents, settled) = await journal.ReadKeyAsync(keyId, cancellationToken);
        var known = new Dictionary<long, (string Hash, string? Previous)>();
        if (checkpoint.CheckpointSequence > 0)
        {
            known[checkpoint.CheckpointSequence] = (checkpoint.CheckpointHash, null);
        }

        var beside = BesideTheirRows(intents, settled);
        var head = chain.Sequence;
        var from = ReadFrom(head, checkpoint.LedgerUnfinishedFrom, beside.Values);
        var inLedger = new List<AuditRecord>();
        await foreach (var row in ledger.ReadCopiedAfterAsync(keyId, from, cancellationToken))
        {
            if (row.Sequence > head)
            {
                Apply(row, count);
            }

            known[row.Sequence] = (row.Hash, row.PreviousHash);
            if (beside.Remove(row.RequestId, out var intent))
            {
                settlements.MarkSettled(row.RequestId);
                inLedger.Add(row with { JournalRowKey = intent.RowKey, JournalPartition = intent.Partition });
            }
        }

        // After the journal's rows are queued: the copier goes through a key's rows in sequence order, and
        // a rollup passes over rows below the last it counted, so none may be queued behind a later one.
        await RecoverSettledAsync(settled, known, count, cancellationToken);
        copier.Copied(keyId, inLedger);
        if (inLedger.Count == 0)
        {
            return intents;
        }

        // Those intents are the copier's to retire now; one of the same request elsewhere (another shard) is held or retired as ever.
        var retiredByCopier = inLedger.Select(r => (r.JournalPartition, r.JournalRowKey)).ToHashSet();
        return [.. intents.Where(i => !retiredByCopier.Contains((i.Partition, i.RowKey)))];
    }

    /// <summary>
    /// Where the ledger is read from at activation: after the checkpoint's head, or from the oldest row
    /// the checkpoint says was written straight into the ledger with its rollups and the retirement of
    /// its intent still to come (a crash meanwhile left them undone), or from the oldest chain head an
    /// intent that may be beside its row noted, up to <see cref="BesideLookback"/> rows back (an intent
    /// whose retirement was lost: found here, it is retired now rather than held until it expires).
    /// </summary>
    public static long ReadFrom(long head, long unfinishedFrom, IEnumerable<IntentEntry> intents)
    {
        var from = unfinishedFrom > 0 ? Math.Min(head, unfinishedFrom - 1) : head;
        var noted = intents.Where(i => i.ChainSequence >= 0).Select(i => i.ChainSequence).DefaultIfEmpty(head).Min();
        return Math.Min(from, Math.Max(noted, head - BesideLookback));
    }

    /// <summary>
    /// How far before a key's head (at activation) or a budget's last counted row an intent's noted head
    /// may take the ledger's read: one page of rows. Further back is an intent of a request long in
    /// flight (a long stream), which is open, not beside a row.
    /// </summary>
    public const long BesideLookback = 1_000;

    /// <summary>
    /// The intents in the key's own shard whose request has no settled row in the journal: each is
    /// open, or (written straight into the ledger) beside its request's row there. By request id.
    /// </summary>
    private Dictionary<string, IntentEntry> BesideTheirRows(IReadOnlyList<IntentEntry> intents, IReadOnlyList<AuditRecord> settled)
    {
        var journaled = settled.Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
        var beside = new Dictionary<string, IntentEntry>(StringComparer.Ordinal);
        foreach (var intent in intents)
        {
            if (intent.Partition == journal.PartitionFor(keyId) && !journaled.Contains(intent.RequestId))
            {
                beside.TryAdd(intent.RequestId, intent);
            }
        }

        return beside;
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
    /// so unless its request is settled already it is sealed again at the end of the chain. Settled
    /// already means known to this activation, or copied into the ledger after the fork row's sequence
    /// (an earlier reseal whose retirement of the fork row was lost: the fork row is then removed).
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
            else if (settlements.IsSettled(row.RequestId))
            {
                continue;
            }
            else if (await RemovedAsSealedAgainAsync(row, cancellationToken))
            {
                settlements.MarkSettled(row.RequestId);
            }
            else
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

    /// <summary>
    /// The key's settled rows the journal sweep's call finds (the key's grain active): left behind by a
    /// retirement that was lost, they would otherwise wait for the next activation, which the sweep's
    /// own calls put off for as long as they find them. Only rows older than any copy takes (a lease and
    /// the clocks' allowance) and at or below the chain's head are looked at: a row the ledger holds at
    /// its sequence was copied, and goes to the copier, which retires it; a row whose request has a row
    /// further on in the ledger is a fork row sealed again already, and is removed. Anything else is
    /// left for the key's next activation, which judges it against the chain. A storage incident can
    /// leave many rows and every silo's sweep calls, so this runs once a sweep interval whoever calls,
    /// passes over rows the copier holds (a failing copy is retried there), and reads for at most
    /// <see cref="TidiedAtOnce"/> rows, the oldest, at a time.
    /// </summary>
    public async Task TidyAsync(IReadOnlyList<AuditRecord> settled)
    {
        var now = time.GetUtcNow();
        if (now < _tidiedAt + options.SweepInterval)
        {
            return;
        }

        var before = now - options.LeaseTimeout - options.AbandonGrace;
        var rows = settled.Where(r => r.RecordedAt < before && r.Sequence <= chain.Sequence && !copier.IsQueued(keyId, r.Sequence)).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        _tidiedAt = now;
        var copied = new List<AuditRecord>();
        foreach (var row in rows.OrderBy(r => r.Sequence).Take(TidiedAtOnce))
        {
            if (await ledger.HoldsAsync(row, CancellationToken.None))
            {
                copied.Add(row);
            }
            else
            {
                await RemovedAsSealedAgainAsync(row, CancellationToken.None);
            }
        }

        copier.Copy(keyId, copied);
    }

    /// <summary>Rows one sweep's call looks at, at most.</summary>
    private const int TidiedAtOnce = 100;

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

    /// <summary>
    /// Whether a fork row was sealed again already: its request has a row further on in the ledger
    /// (an earlier reseal whose removal of this row, under another shard count's partition, was lost).
    /// Sealing it once more would record and charge the request twice, so only the leftover goes.
    /// </summary>
    private async Task<bool> RemovedAsSealedAgainAsync(AuditRecord row, CancellationToken cancellationToken)
    {
        if (!await ledger.CopiedRowOfAsync(keyId, row.RequestId, row.Sequence, cancellationToken))
        {
            return false;
        }

        LogForkLeftover(logger, keyId, row.RequestId, row.Sequence);
        _ = RetireLeftoverAsync(row);
        return true;
    }

    private async Task RetireLeftoverAsync(AuditRecord row)
    {
        try
        {
            await journal.RetireSettledAsync(row);
        }
        catch (Exception ex)
        {
            // Still in the journal: the next activation or sweep finds its row further on again, and retires it then.
            LogLeftoverRetireFailed(logger, keyId, row.RequestId, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: request {RequestId}'s fork row at sequence {Sequence} was sealed again already and is in the ledger further on; removing the leftover from the journal")]
    private static partial void LogForkLeftover(ILogger logger, string keyId, string requestId, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyId}: removing request {RequestId}'s leftover fork row from the journal failed; the next activation or sweep tries again")]
    private static partial void LogLeftoverRetireFailed(ILogger logger, string keyId, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: request {RequestId}'s row at sequence {Sequence} in the journal is off the chain (a fork); sealing it again at the chain's end")]
    private static partial void LogResealed(ILogger logger, string keyId, string requestId, long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key {KeyId}: sealing request {RequestId}'s fork row again failed; the next activation tries again")]
    private static partial void LogResealFailed(ILogger logger, string keyId, string requestId, Exception exception);
}
