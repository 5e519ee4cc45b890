using System.ComponentModel.DataAnnotations;

namespace Gateway.Frontend.Admin;

/// <summary>Bounds of <c>GET /admin/v1/audit</c> for a user or a team: how many keys one query merges, and how many of their partitions it reads at once.</summary>
public sealed class AuditQueryOptions
{
    public const string Section = "Gateway:Audit:Query";

    /// <summary>
    /// The most keys a user or team query merges. Each page reads every one of them once, and the
    /// continuation token carries a position per key (about 23 characters each once in base64), so it
    /// must still fit in a URL under Kestrel's 8 KiB request line with the filters beside it: 320 keys
    /// is the ceiling. A larger team is queried user by user.
    /// </summary>
    [Range(1, 320)]
    public int MaxKeys { get; set; } = 256;

    /// <summary>
    /// Partitions read at once for the first round of a page: enough to hide the round trips of a
    /// team's keys, few enough that one auditor's query does not take a storage account's request budget.
    /// </summary>
    [Range(1, 64)]
    public int ParallelReads { get; set; } = 8;
}
