using System.Globalization;

namespace Gateway.Storage.Audit;

/// <summary>
/// Walks one key's ledger partition in row-key order and names the first broken row. One row of
/// look-ahead tells an inserted row (the row after it links past it) from an edited one.
/// </summary>
internal sealed class LedgerChainCheck(string keyId, AuditChainKey key, ChainHead? anchor)
{
    private long _expected = 1;
    private string _previousHash = "";
    private string? _previousRowKey;
    private bool _previousLegacy;
    private bool _sawHmac;
    private long _rows;
    private long _legacy;
    private long _last;

    public ChainBreak? Break { get; private set; }

    public ChainVerification Result() =>
        new("key:" + keyId, _rows, _last, anchor?.Sequence, _legacy, Break);

    /// <summary>Checks <paramref name="row"/> (stored under <paramref name="rowKey"/>); false once the chain is found broken.</summary>
    public bool Check(string rowKey, AuditRecord row, AuditRecord? next)
    {
        Break = Judge(rowKey, row, next);
        if (Break is not null)
        {
            return false;
        }

        _rows++;
        _last = row.Sequence;
        _previousHash = row.Hash;
        _previousRowKey = rowKey;
        _previousLegacy = row.HashScheme is null;
        _sawHmac |= !_previousLegacy;
        _legacy += _previousLegacy ? 1 : 0;
        _expected = row.Sequence + 1;
        return true;
    }

    /// <summary>After the last row: a chain that ends before the head its grain committed was truncated.</summary>
    public void Finish()
    {
        if (Break is null && anchor is { } head && _last < head.Sequence)
        {
            Break = new ChainBreak(ChainBreakKind.Truncated, _last + 1, null,
                $"The ledger ends at sequence {_last}, but the key's grain has committed up to {head.Sequence}: the newest {head.Sequence - _last} row(s) are missing.");
        }
    }

    private ChainBreak? Judge(string rowKey, AuditRecord row, AuditRecord? next)
    {
        if (!TryParseSequence(rowKey, out var position))
        {
            return new ChainBreak(ChainBreakKind.Inserted, _expected, rowKey, $"Row key '{rowKey}' is not a sequence number: the gateway never wrote it.");
        }

        if (position > _expected)
        {
            return new ChainBreak(ChainBreakKind.Deleted, _expected, null,
                position == _expected + 1
                    ? $"Sequence {_expected} is missing; the chain resumes at {position}."
                    : $"Sequences {_expected} to {position - 1} are missing; the chain resumes at {position}.");
        }

        var macValid = row.HashScheme == AuditChainKey.Scheme && key.Verifies(row.Canonical(), row.Hash);
        if (row.Sequence != position)
        {
            return macValid || (row.HashScheme is null && row.Hash == row.ComputeHash())
                ? new ChainBreak(ChainBreakKind.Reordered, position, rowKey, $"The row stored at sequence {position} is the row of sequence {row.Sequence}.")
                : new ChainBreak(ChainBreakKind.Edited, position, rowKey, $"The row stored at sequence {position} names sequence {row.Sequence} and does not match its hash.");
        }

        if (!macValid && JudgeUnverified(position, rowKey, row, next) is { } broken)
        {
            return broken;
        }

        if (row.PreviousHash != _previousHash)
        {
            // This row is genuine, so the one before it changed after this one was chained to it.
            return _previousLegacy
                ? new ChainBreak(ChainBreakKind.Rehashed, position - 1, _previousRowKey, $"Row {position - 1} was rewritten and re-hashed: row {position} was chained to a different hash.")
                : new ChainBreak(ChainBreakKind.Edited, position - 1, _previousRowKey, $"Row {position} was chained to a different row {position - 1}.");
        }

        if (anchor is { } head && head.Sequence == position && head.Hash != row.Hash)
        {
            return new ChainBreak(row.HashScheme is null ? ChainBreakKind.Rehashed : ChainBreakKind.Edited, position, rowKey,
                $"Row {position} is the head the key's grain committed, but its hash differs from the one the grain holds.");
        }

        return null;
    }

    /// <summary>A row whose HMAC does not verify: inserted, re-hashed, edited, or a legacy row (fine only before any HMAC row).</summary>
    private ChainBreak? JudgeUnverified(long position, string rowKey, AuditRecord row, AuditRecord? next)
    {
        var plainMatches = row.Hash == row.ComputeHash();
        if (row.HashScheme is null && plainMatches && !_sawHmac && (anchor is null || position <= anchor.Sequence))
        {
            return null;
        }

        if (anchor is { } head && position > head.Sequence)
        {
            return new ChainBreak(ChainBreakKind.Inserted, position, rowKey,
                $"Row {position} is past the head the key's grain committed ({head.Sequence}) and does not carry the chain's HMAC.");
        }

        if (next is not null && next.PreviousHash == _previousHash)
        {
            return new ChainBreak(ChainBreakKind.Inserted, position, rowKey,
                $"Row {position} was inserted: the row after it is chained directly to row {position - 1}.");
        }

        if (plainMatches)
        {
            return new ChainBreak(ChainBreakKind.Rehashed, position, rowKey, row.HashScheme is null
                ? $"Row {position} claims the legacy plain SHA-256 scheme after the chain moved to HMAC: it was rewritten and re-hashed."
                : $"Row {position} carries a plain SHA-256 of its content instead of the chain's HMAC: it was rewritten and re-hashed.");
        }

        return new ChainBreak(ChainBreakKind.Edited, position, rowKey, $"Row {position} does not match its hash: its content was changed.");
    }

    private static bool TryParseSequence(string rowKey, out long sequence) =>
        long.TryParse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture, out sequence) && TableKeys.Sequence(sequence) == rowKey;
}
