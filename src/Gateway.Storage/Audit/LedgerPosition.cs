namespace Gateway.Storage.Audit;

/// <summary>A place in the ledger: the row of <see cref="KeyId"/>'s partition at <see cref="Sequence"/>; a page resumes after it.</summary>
public readonly record struct LedgerPosition(string KeyId, long Sequence);
