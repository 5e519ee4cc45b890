using System.Globalization;
using Azure.Data.Tables;

namespace Gateway.Storage.Audit;

/// <summary>
/// One row of a key's audit ledger: partition = key id, row key = the key's ledger sequence.
/// Each row carries the hash of the previous row of its chain, so editing or deleting a row breaks
/// the chain where it happened; the hash is an HMAC keyed with the deployment's chain secret, so
/// whoever edits a row cannot re-hash it (docs/tamper-evidence.md). Money is micro-dollars as Int64; no floating point, no decimal.
/// </summary>
public sealed record AuditRecord
{
    public required string KeyId { get; init; }
    public required long Sequence { get; init; }
    public required string RequestId { get; init; }
    public required string UserId { get; init; }
    public string? TeamId { get; init; }
    public required string Model { get; init; }
    public required string Provider { get; init; }
    public required string Endpoint { get; init; }
    public bool Streaming { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }

    /// <summary>Prompt tokens read from the provider's cache (Anthropic's cache reads, OpenAI's cached input): part of <see cref="InputTokens"/>.</summary>
    public long CachedInputTokens { get; init; }
    public bool UsageReported { get; init; }
    public long ReservedMicros { get; init; }
    public long CostMicros { get; init; }
    public long PriceInputMicrosPerMTok { get; init; }
    public long PriceOutputMicrosPerMTok { get; init; }
    public long PriceCachedMicrosPerMTok { get; init; }
    public int HttpStatus { get; init; }
    public required string Outcome { get; init; }
    public string? Denial { get; init; }
    public string? Error { get; init; }
    public long LatencyMs { get; init; }
    public required string FrontendInstance { get; init; }
    public required string Region { get; init; }
    public string? ClientAddress { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
    public required string PreviousHash { get; init; }

    /// <summary>Prompt tokens written to the provider's cache for 5 minutes (Anthropic): part of <see cref="InputTokens"/>. Rows from before it read 0.</summary>
    public long CacheWrite5mTokens { get; init; }

    /// <summary>Prompt tokens written to the provider's cache for 1 hour (Anthropic): part of <see cref="InputTokens"/>. Rows from before it read 0.</summary>
    public long CacheWrite1hTokens { get; init; }

    /// <summary>Reasoning tokens the provider stated (OpenAI): part of <see cref="OutputTokens"/>, and charged there. Rows from before it read 0.</summary>
    public long ReasoningTokens { get; init; }

    public long PriceCacheWrite5mMicrosPerMTok { get; init; }
    public long PriceCacheWrite1hMicrosPerMTok { get; init; }

    /// <summary>
    /// How many requests the row stands for: 1, or more for a row that aggregates repeated denials
    /// of one kind from one address within a short window (so a flood cannot bury the ledger).
    /// </summary>
    public long Count { get; init; } = 1;

    /// <summary>
    /// How far the settled cost went past the reservation, in micro-dollars; 0 when it stayed within.
    /// The provider's usage is charged as reported even when it exceeds the reservation (max_tokens
    /// ignored, more prompt tokens than the gateway counted, cache writes), and this says it did.
    /// Hashed only when it is not 0, so rows from before it still verify.
    /// </summary>
    public long OverReservationMicros { get; init; }

    /// <summary>
    /// The configured upstream that answered (<c>Gateway:Upstreams:{name}</c>), or the last one tried
    /// when none did; null on denials and on rows written before routing existed.
    /// </summary>
    public string? Upstream { get; init; }

    /// <summary>How many deployments were tried: 1, more after failing over, 0 when none was (a denial, an older row).</summary>
    public int Attempts { get; init; }

    /// <summary>
    /// This row's hash, chained to <see cref="PreviousHash"/>: as stored for rows read back, as set
    /// by <see cref="Seal"/> for rows about to be written.
    /// </summary>
    public string Hash { get; init; } = "";

    /// <summary>How <see cref="Hash"/> was made: <see cref="AuditChainKey.Scheme"/>, or null for a legacy plain SHA-256 row.</summary>
    public string? HashScheme { get; init; }

    /// <summary>This row at <paramref name="sequence"/> after <paramref name="previousHash"/>, with its HMAC.</summary>
    public AuditRecord Seal(AuditChainKey key, long sequence, string previousHash)
    {
        var placed = this with { Sequence = sequence, PreviousHash = previousHash, HashScheme = AuditChainKey.Scheme };
        return placed with { Hash = key.Mac(placed.Canonical()) };
    }

    /// <summary>The plain SHA-256 of this row's content: the legacy scheme, and what a forger without the key would write.</summary>
    public string ComputeHash() => AuditChainKey.Sha256(Canonical());

    /// <summary>
    /// The row's content as hashed, previous hash first. Only the key id, sequence and fields below
    /// count: a property added to rows later must be added at the end, as <see cref="Count"/> was.
    /// </summary>
    public string Canonical()
    {
        var canonical = string.Join('\n',
            PreviousHash, KeyId, Sequence.ToString(CultureInfo.InvariantCulture), RequestId, UserId, TeamId ?? "", Model, Provider, Endpoint,
            Streaming ? "1" : "0", Num(InputTokens), Num(OutputTokens), Num(CachedInputTokens), UsageReported ? "1" : "0",
            Num(ReservedMicros), Num(CostMicros), Num(PriceInputMicrosPerMTok), Num(PriceOutputMicrosPerMTok), Num(PriceCachedMicrosPerMTok),
            Num(HttpStatus), Outcome, Denial ?? "", Error ?? "", Num(LatencyMs), FrontendInstance, Region, ClientAddress ?? "",
            StartedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), RecordedAt.UtcTicks.ToString(CultureInfo.InvariantCulture));

        // Rows standing for one request hash as they always have, so older chains still verify.
        if (Count != 1)
        {
            canonical += "\n" + Num(Count);
        }

        // Named, so it can never be read as a count.
        if (OverReservationMicros != 0)
        {
            canonical += "\nover:" + Num(OverReservationMicros);
        }

        // The cache-write and reasoning columns came later: named, and only when not 0, like the above.
        canonical += Named("w5m", CacheWrite5mTokens) + Named("w1h", CacheWrite1hTokens) + Named("reasoning", ReasoningTokens)
            + Named("pw5m", PriceCacheWrite5mMicrosPerMTok) + Named("pw1h", PriceCacheWrite1hMicrosPerMTok);

        if (Upstream is not null)
        {
            canonical += "\nupstream:" + Upstream + "\nattempts:" + Num(Attempts);
        }

        return canonical;

        static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

        static string Named(string name, long value) => value == 0 ? "" : "\n" + name + ":" + Num(value);
    }

    public TableEntity ToEntity() => new(KeyId, TableKeys.Sequence(Sequence))
    {
        ["RequestId"] = RequestId,
        ["UserId"] = UserId,
        ["TeamId"] = TeamId,
        ["KeyId"] = KeyId,
        ["Model"] = Model,
        ["Provider"] = Provider,
        ["Endpoint"] = Endpoint,
        ["Streaming"] = Streaming,
        ["InputTokens"] = InputTokens,
        ["OutputTokens"] = OutputTokens,
        ["CachedInputTokens"] = CachedInputTokens,
        ["UsageReported"] = UsageReported,
        ["ReservedMicros"] = ReservedMicros,
        ["CostMicros"] = CostMicros,
        ["PriceInputMicrosPerMTok"] = PriceInputMicrosPerMTok,
        ["PriceOutputMicrosPerMTok"] = PriceOutputMicrosPerMTok,
        ["PriceCachedMicrosPerMTok"] = PriceCachedMicrosPerMTok,
        ["HttpStatus"] = HttpStatus,
        ["Outcome"] = Outcome,
        ["Denial"] = Denial,
        ["Error"] = Error,
        ["LatencyMs"] = LatencyMs,
        ["FrontendInstance"] = FrontendInstance,
        ["Region"] = Region,
        ["ClientAddress"] = ClientAddress,
        ["StartedAt"] = StartedAt,
        ["RecordedAt"] = RecordedAt,
        ["Sequence"] = Sequence,
        ["PreviousHash"] = PreviousHash,
        ["Hash"] = Hash,
        ["HashScheme"] = HashScheme,
        ["Count"] = Count == 1 ? null : Count,
        ["OverReservationMicros"] = OverReservationMicros == 0 ? null : OverReservationMicros,

        // Written when not 0, like the columns above that came later: a denial row or an OpenAI row stays as small as it was.
        ["CacheWrite5mTokens"] = NullIfZero(CacheWrite5mTokens),
        ["CacheWrite1hTokens"] = NullIfZero(CacheWrite1hTokens),
        ["ReasoningTokens"] = NullIfZero(ReasoningTokens),
        ["PriceCacheWrite5mMicrosPerMTok"] = NullIfZero(PriceCacheWrite5mMicrosPerMTok),
        ["PriceCacheWrite1hMicrosPerMTok"] = NullIfZero(PriceCacheWrite1hMicrosPerMTok),
        ["Upstream"] = Upstream,
        ["Attempts"] = Attempts == 0 ? null : Attempts,
    };

    private static long? NullIfZero(long value) => value == 0 ? null : value;

    /// <summary>
    /// The row as the journal holds it until it is copied into the key's ledger partition: the key's
    /// journal shard, row key = request id, so it replaces the request's intent in the same write.
    /// </summary>
    public TableEntity ToJournalEntity(string partition)
    {
        var entity = ToEntity();
        entity.PartitionKey = partition;
        entity.RowKey = RequestId;
        return entity;
    }

    /// <summary>A settled row read back from the journal (it carries <c>Sequence</c>; an intent does not).</summary>
    public static AuditRecord FromJournalEntity(TableEntity e) => FromEntity(e) with { KeyId = e.GetString("KeyId") ?? "" };

    /// <summary>Whether a journal row is a settled record rather than an intent.</summary>
    public static bool IsSettledJournalRow(TableEntity e) => e.TryGetValue("Sequence", out var sequence) && sequence is not null;

    public static AuditRecord FromEntity(TableEntity e) => new()
    {
        KeyId = e.PartitionKey,
        Sequence = e.GetInt64("Sequence") ?? long.Parse(e.RowKey, CultureInfo.InvariantCulture),
        RequestId = e.GetString("RequestId") ?? "",
        UserId = e.GetString("UserId") ?? "",
        TeamId = e.GetString("TeamId"),
        Model = e.GetString("Model") ?? "",
        Provider = e.GetString("Provider") ?? "",
        Endpoint = e.GetString("Endpoint") ?? "",
        Streaming = e.GetBoolean("Streaming") ?? false,
        InputTokens = e.GetInt64("InputTokens") ?? 0,
        OutputTokens = e.GetInt64("OutputTokens") ?? 0,
        CachedInputTokens = e.GetInt64("CachedInputTokens") ?? 0,
        UsageReported = e.GetBoolean("UsageReported") ?? false,
        ReservedMicros = e.GetInt64("ReservedMicros") ?? 0,
        CostMicros = e.GetInt64("CostMicros") ?? 0,
        PriceInputMicrosPerMTok = e.GetInt64("PriceInputMicrosPerMTok") ?? 0,
        PriceOutputMicrosPerMTok = e.GetInt64("PriceOutputMicrosPerMTok") ?? 0,
        PriceCachedMicrosPerMTok = e.GetInt64("PriceCachedMicrosPerMTok") ?? 0,
        HttpStatus = e.GetInt32("HttpStatus") ?? 0,
        Outcome = e.GetString("Outcome") ?? "",
        Denial = e.GetString("Denial"),
        Error = e.GetString("Error"),
        LatencyMs = e.GetInt64("LatencyMs") ?? 0,
        FrontendInstance = e.GetString("FrontendInstance") ?? "",
        Region = e.GetString("Region") ?? "",
        ClientAddress = e.GetString("ClientAddress"),
        StartedAt = e.GetDateTimeOffset("StartedAt") ?? default,
        RecordedAt = e.GetDateTimeOffset("RecordedAt") ?? default,
        PreviousHash = e.GetString("PreviousHash") ?? "",
        Hash = e.GetString("Hash") ?? "",
        HashScheme = e.GetString("HashScheme"),
        Count = e.GetInt64("Count") ?? 1,
        OverReservationMicros = e.GetInt64("OverReservationMicros") ?? 0,
        CacheWrite5mTokens = e.GetInt64("CacheWrite5mTokens") ?? 0,
        CacheWrite1hTokens = e.GetInt64("CacheWrite1hTokens") ?? 0,
        ReasoningTokens = e.GetInt64("ReasoningTokens") ?? 0,
        PriceCacheWrite5mMicrosPerMTok = e.GetInt64("PriceCacheWrite5mMicrosPerMTok") ?? 0,
        PriceCacheWrite1hMicrosPerMTok = e.GetInt64("PriceCacheWrite1hMicrosPerMTok") ?? 0,
        Upstream = e.GetString("Upstream"),
        Attempts = e.GetInt32("Attempts") ?? 0,
    };
}
