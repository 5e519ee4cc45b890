using Gateway.Storage.Audit;

namespace Gateway.Frontend.Admin;

/// <summary>
/// One chain's verdict: <c>key:&lt;keyId&gt;</c> or <c>admin</c>, ok or the first broken row: its
/// kind (edited, deleted, inserted, reordered, truncated, rehashed), the sequence number concerned,
/// the row key of the row where it showed, and a sentence.
/// </summary>
public sealed record ChainReport(
    string Chain,
    string? KeyId,
    bool Ok,
    long Rows,
    long LastSequence,
    long? AnchoredSequence,
    long LegacyRows,
    string? Broken,
    long? BrokenSequence,
    string? BrokenRowKey,
    string? Detail)
{
    public static ChainReport From(ChainVerification v, string? keyId) => new(
        v.Chain, keyId, v.Ok, v.Rows, v.LastSequence, v.AnchoredSequence, v.LegacyRows,
        v.Break is { } b ? KindName(b.Kind) : null, v.Break?.Sequence, v.Break?.RowKey, v.Break?.Detail);

    public static string KindName(ChainBreakKind kind) => kind.ToString().ToLowerInvariant();
}
