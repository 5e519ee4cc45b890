namespace Gateway.Cli.Api;

/// <summary>Response of <c>GET /admin/v1/admin-audit</c>: the most recent admin actions, newest first.</summary>
internal sealed record AdminAuditPage(IReadOnlyList<AdminAuditEntry>? Items);
