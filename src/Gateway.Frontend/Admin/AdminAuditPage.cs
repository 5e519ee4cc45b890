namespace Gateway.Frontend.Admin;

/// <summary>Admin audit rows, newest first.</summary>
public sealed record AdminAuditPage(IReadOnlyList<AdminAuditItem> Items);
