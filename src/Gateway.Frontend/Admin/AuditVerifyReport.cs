namespace Gateway.Frontend.Admin;

/// <summary>
/// The answer of <c>GET /admin/v1/audit/verify</c>: whether every chain checked is intact, the
/// fingerprint of the chain secret the check used (a hash of it, never the secret), and each chain.
/// </summary>
public sealed record AuditVerifyReport(bool Ok, int Chains, int Broken, string SecretFingerprint, IReadOnlyList<ChainReport> Results);
