namespace Gateway.Storage.Admin;

/// <summary>One page of admin audit rows, newest first; <see cref="NextCursor"/> is null after the last page.</summary>
public sealed record AdminAuditResult(IReadOnlyList<AdminAuditEntry> Entries, string? NextCursor);
