namespace Gateway.Frontend.Admin;

/// <summary>
/// A page of audited requests, oldest first; pass <see cref="Next"/> as <c>continuation</c> (with the
/// same scope and filters) for the next page. Null: there is no more.
/// </summary>
public sealed record AuditPage(IReadOnlyList<AuditItem> Items, string? Next);
