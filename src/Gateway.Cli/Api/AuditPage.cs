namespace Gateway.Cli.Api;

/// <summary>
/// Response of <c>GET /admin/v1/audit</c>: one page of audited requests, oldest first. A non-null
/// <see cref="Next"/>, passed back as <c>continuation</c> with the same scope and filters, fetches the next page.
/// </summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry>? Items, string? Next);
