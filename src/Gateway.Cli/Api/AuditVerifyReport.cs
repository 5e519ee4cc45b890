namespace Gateway.Cli.Api;

/// <summary>Response of <c>GET /admin/v1/audit/verify</c>: every chain checked, and whether all are intact.</summary>
internal sealed record AuditVerifyReport(bool Ok, int Chains, int Broken, string? SecretFingerprint, IReadOnlyList<ChainReport>? Results);
