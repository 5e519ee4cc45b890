namespace Gateway.Cli.Api;

/// <summary>
/// Response of <c>GET /admin/v1/admin-audit</c>: one page of admin actions, newest first. A non-null
/// <see cref="NextCursor"/>, passed back as <c>cursor</c>, fetches the next page.
/// </summary>
internal sealed record AdminAuditPage(IReadOnlyList<AdminAuditEntry>? Items, string? NextCursor = null);
