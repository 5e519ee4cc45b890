namespace Gateway.Storage.Audit;

/// <summary>
/// One page of ledger rows and where the next page starts: <see cref="Positions"/> holds, per key
/// read, the sequence of its last row handed out so far (keys that handed out none are absent).
/// <see cref="More"/> says whether a row is known to follow.
/// </summary>
public sealed record LedgerPage(IReadOnlyList<AuditRecord> Rows, IReadOnlyList<LedgerPosition> Positions, bool More);
