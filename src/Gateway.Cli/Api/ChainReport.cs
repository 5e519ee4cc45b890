namespace Gateway.Cli.Api;

/// <summary>One chain's verdict from <c>GET /admin/v1/audit/verify</c>: ok, or the first broken row and how it broke.</summary>
internal sealed record ChainReport(
    string? Chain,
    string? KeyId,
    bool Ok,
    long Rows,
    long LastSequence,
    long? AnchoredSequence,
    long LegacyRows,
    string? Broken,
    long? BrokenSequence,
    string? BrokenRowKey,
    string? Detail);
