using System.Text.Json.Serialization;

namespace Gateway.Storage.Audit;

/// <summary>
/// What a ledger row holds beyond the columns it is queried, filtered or checked by: one compact
/// JSON property (<c>D</c>) instead of a score of columns. A property costs the Table service (and
/// Azurite twice as much) per row written, and a column name is stored in every row; a settled row
/// is written twice (the journal, then the key's ledger partition), so its width is paid on the hot
/// path. Names are short for the same reason; docs/audit.md lists them. Zero, false and null are
/// left out and read back as such, as the columns added later were.
/// </summary>
internal sealed class LedgerRowDetail
{
    /// <summary>Provider.</summary>
    public string? P { get; init; }

    /// <summary>Endpoint.</summary>
    public string? E { get; init; }

    /// <summary>Streaming.</summary>
    public bool S { get; init; }

    /// <summary>Input tokens.</summary>
    public long In { get; init; }

    /// <summary>Output tokens.</summary>
    public long Out { get; init; }

    /// <summary>Cached input tokens.</summary>
    public long Ci { get; init; }

    /// <summary>Usage reported by the provider.</summary>
    public bool U { get; init; }

    /// <summary>Reserved micro-dollars.</summary>
    public long R { get; init; }

    /// <summary>Input price, micro-dollars per million tokens.</summary>
    public long Pi { get; init; }

    /// <summary>Output price.</summary>
    public long Po { get; init; }

    /// <summary>Cached input price.</summary>
    public long Pc { get; init; }

    /// <summary>5-minute cache-write price.</summary>
    public long Pw5 { get; init; }

    /// <summary>1-hour cache-write price.</summary>
    public long Pw1 { get; init; }

    /// <summary>HTTP status.</summary>
    public int H { get; init; }

    /// <summary>Denial reason.</summary>
    public string? Dn { get; init; }

    /// <summary>Error.</summary>
    public string? Er { get; init; }

    /// <summary>Latency, ms.</summary>
    public long L { get; init; }

    /// <summary>Front-end instance.</summary>
    public string? F { get; init; }

    /// <summary>Region.</summary>
    public string? G { get; init; }

    /// <summary>Client address.</summary>
    public string? C { get; init; }

    /// <summary>Previous row's hash.</summary>
    public string? Ph { get; init; }

    /// <summary>Hash scheme (null: a legacy plain SHA-256 row).</summary>
    public string? Hs { get; init; }

    /// <summary>Requests the row stands for; absent for 1.</summary>
    public long? N { get; init; }

    /// <summary>Over-reservation, micro-dollars.</summary>
    public long Ov { get; init; }

    /// <summary>5-minute cache-write tokens.</summary>
    public long W5 { get; init; }

    /// <summary>1-hour cache-write tokens.</summary>
    public long W1 { get; init; }

    /// <summary>Reasoning tokens.</summary>
    public long Rs { get; init; }

    /// <summary>Upstream (an empty name is kept as such).</summary>
    public string? Up { get; init; }

    /// <summary>Attempts.</summary>
    public int A { get; init; }
}

[JsonSerializable(typeof(LedgerRowDetail))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
internal sealed partial class LedgerRowDetailJson : JsonSerializerContext;
