namespace Gateway.Frontend.Admin;

/// <summary>Admin audit rows, newest first; pass <see cref="NextCursor"/> as <c>cursor</c> for the next page (null: no more).</summary>
public sealed record AdminAuditPage(IReadOnlyList<AdminAuditItem> Items, string? NextCursor);
