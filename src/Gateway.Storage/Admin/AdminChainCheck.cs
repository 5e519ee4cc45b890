using Azure.Data.Tables;
using Gateway.Storage.Audit;

namespace Gateway.Storage.Admin;

/// <summary>
/// Checks the admin audit chain (see <see cref="AdminAuditChain"/>) over every row of the admin
/// partition, in chain order, and names the first broken row.
/// </summary>
internal static class AdminChainCheck
{
    public const string ChainName = "admin";

    public static ChainVerification Verify(AuditChainKey key, IReadOnlyList<TableEntity> entities, long localHead)
    {
        var head = entities.FirstOrDefault(e => e.RowKey == AdminAuditChain.HeadRowKey);
        var rows = entities.Where(e => e.RowKey != AdminAuditChain.HeadRowKey).ToList();
        var chained = rows.Where(e => e.GetInt64(AdminAuditChain.Seq) is not null)
            .OrderBy(e => e.GetInt64(AdminAuditChain.Seq)).ThenBy(e => e.RowKey, StringComparer.Ordinal).ToList();
        var legacy = rows.Where(e => e.GetInt64(AdminAuditChain.Seq) is null).ToList();
        var headSeq = head?.GetInt64("Seq");
        long? anchored = headSeq is null && localHead == 0 ? null : Math.Max(headSeq ?? 0, localHead);

        var expected = 1L;
        var previousLink = "";
        long last = 0;
        for (var i = 0; i < chained.Count; i++)
        {
            var row = chained[i];
            var seq = row.GetInt64(AdminAuditChain.Seq)!.Value;
            if (JudgeRow(key, chained, i, seq, expected, previousLink) is { } broken)
            {
                return Result(chained.Count, last, anchored, legacy.Count, broken);
            }

            previousLink = row.GetString(AdminAuditChain.Link) ?? "";
            last = seq;
            expected = seq + 1;
        }

        if (chained.Count > 0)
        {
            // Rows without a place in the chain are the table's history from before it; one newer than the chain's start was slipped in.
            var chainStart = chained.Min(e => e.GetDateTimeOffset("At") ?? DateTimeOffset.MaxValue);
            if (legacy.FirstOrDefault(e => (e.GetDateTimeOffset("At") ?? DateTimeOffset.MaxValue) > chainStart) is { } slipped)
            {
                return Result(chained.Count, last, anchored, legacy.Count, new ChainBreak(ChainBreakKind.Inserted, 0, slipped.RowKey,
                    $"Row '{slipped.RowKey}' has no place in the chain but is newer than its start: the gateway did not write it."));
            }
        }

        if (head is not null && !key.Verifies(AdminAuditChain.HeadInput(headSeq ?? -1, head.GetString("Link") ?? ""), head.GetString("Mac")))
        {
            return Result(chained.Count, last, anchored, legacy.Count, new ChainBreak(ChainBreakKind.Edited, headSeq ?? 0, head.RowKey, "The chain's head row does not match its MAC."));
        }

        if (head is null && chained.Count > 0)
        {
            return Result(chained.Count, last, anchored, legacy.Count, new ChainBreak(ChainBreakKind.Truncated, last + 1, AdminAuditChain.HeadRowKey,
                "The chain's head row is missing, so the newest rows may have been deleted with it."));
        }

        if (anchored is { } h && last < h)
        {
            return Result(chained.Count, last, anchored, legacy.Count, new ChainBreak(ChainBreakKind.Truncated, last + 1, null,
                $"The admin audit chain ends at sequence {last}, but its head is at {h}: the newest {h - last} row(s) are missing."));
        }

        if (headSeq is { } hs && last > hs && chained.FirstOrDefault(e => e.GetInt64(AdminAuditChain.Seq) == hs + 1) is { } beyond)
        {
            return Result(chained.Count, last, anchored, legacy.Count, new ChainBreak(ChainBreakKind.Inserted, hs + 1, beyond.RowKey,
                $"Row {hs + 1} is past the chain's head ({hs})."));
        }

        return Result(chained.Count, last, anchored, legacy.Count, null);
    }

    private static ChainBreak? JudgeRow(AuditChainKey key, List<TableEntity> chained, int index, long seq, long expected, string previousLink)
    {
        var row = chained[index];
        if (seq < expected)
        {
            return new ChainBreak(ChainBreakKind.Inserted, seq, row.RowKey, $"A second row claims sequence {seq}: the gateway did not write it.");
        }

        if (seq > expected)
        {
            return new ChainBreak(ChainBreakKind.Deleted, expected, null,
                seq == expected + 1 ? $"Sequence {expected} is missing; the chain resumes at {seq}." : $"Sequences {expected} to {seq - 1} are missing; the chain resumes at {seq}.");
        }

        var link = row.GetString(AdminAuditChain.Link) ?? "";
        var genuine = link == AdminAuditChain.LinkOf(key, previousLink, seq, row.RowKey);
        if (!genuine && index + 1 < chained.Count && chained[index + 1].GetInt64(AdminAuditChain.Seq) == seq
            && chained[index + 1].GetString(AdminAuditChain.Link) == AdminAuditChain.LinkOf(key, previousLink, seq, chained[index + 1].RowKey))
        {
            return new ChainBreak(ChainBreakKind.Inserted, seq, row.RowKey, $"Row '{row.RowKey}' claims sequence {seq}, which belongs to row '{chained[index + 1].RowKey}': the gateway did not write it.");
        }

        if (!genuine)
        {
            // Content moved to another row key keeps a link made for its original one.
            var original = chained.FirstOrDefault(e => e.RowKey != row.RowKey && link == AdminAuditChain.LinkOf(key, previousLink, seq, e.RowKey));
            return original is not null
                ? new ChainBreak(ChainBreakKind.Reordered, seq, row.RowKey, $"Row '{row.RowKey}' holds the entry written as '{original.RowKey}' (sequence {seq}).")
                : new ChainBreak(ChainBreakKind.Edited, seq, row.RowKey, $"Row '{row.RowKey}' does not link to sequence {seq - 1}: its place in the chain was changed.");
        }

        var content = AdminAuditChain.ContentInput(row);
        if (!key.Verifies(content, row.GetString(AdminAuditChain.Mac)))
        {
            return row.GetString(AdminAuditChain.Mac) == AuditChainKey.Sha256(content)
                ? new ChainBreak(ChainBreakKind.Rehashed, seq, row.RowKey, $"Row '{row.RowKey}' carries a plain SHA-256 of its content instead of the chain's HMAC: it was rewritten and re-hashed.")
                : new ChainBreak(ChainBreakKind.Edited, seq, row.RowKey, $"Row '{row.RowKey}' does not match its MAC: its content was changed.");
        }

        return null;
    }

    private static ChainVerification Result(long rows, long last, long? anchored, long legacy, ChainBreak? broken) =>
        new(ChainName, rows, last, anchored, legacy, broken);
}
