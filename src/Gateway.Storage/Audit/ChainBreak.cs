namespace Gateway.Storage.Audit;

/// <summary>
/// The first broken row of a chain: what happened, the sequence number it concerns (for
/// <see cref="ChainBreakKind.Deleted"/> and <see cref="ChainBreakKind.Truncated"/>, the first missing
/// one), the row key of the row where it showed (null when the row is gone), and a sentence.
/// </summary>
public sealed record ChainBreak(ChainBreakKind Kind, long Sequence, string? RowKey, string Detail);
