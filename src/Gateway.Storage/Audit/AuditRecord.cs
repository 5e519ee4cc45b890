using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Gateway.Storage.Transactions;

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

    /// <summary>
    /// The row key of the request's row in the journal when it is known: read back from there, or its
    /// intent's (a settled row replaces its intent in place, so it takes the intent's key, whichever
    /// form that was written in). Null otherwise: the writing process's form (<see cref="Journal.JournalShards.RowKeyFor"/>).
    /// Not stored.
    /// </summary>
    public string? JournalRowKey { get; init; }

    /// <summary>
    /// The journal partition a row read back from the journal is in, which is not its key's while a
    /// change of the shard count drains; null for a row this process writes (it goes to its key's).
    /// </summary>
    public string? JournalPartition { get; init; }

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
        ArgumentNullException.ThrowIfNull(key);
        var text = new CanonicalText();
        try
        {
            WriteCanonical(ref text, sequence, previousHash);
            return this with { Sequence = sequence, PreviousHash = previousHash, HashScheme = AuditChainKey.Scheme, Hash = key.Mac(text.Written) };
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>The plain SHA-256 of this row's content: the legacy scheme, and what a forger without the key would write.</summary>
    public string ComputeHash() => AuditChainKey.Sha256(Canonical());

    /// <summary>
    /// The row's content as hashed, previous hash first. Only the key id, sequence and fields below
    /// count: a property added to rows later must be added at the end, as <see cref="Count"/> was.
    /// </summary>
    public string Canonical()
    {
        var text = new CanonicalText();
        try
        {
            WriteCanonical(ref text, Sequence, PreviousHash);
            return Encoding.UTF8.GetString(text.Written);
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>The canonical form (<see cref="Canonical"/>) as UTF-8, at the sequence and after the hash given.</summary>
    private void WriteCanonical(ref CanonicalText text, long sequence, string previousHash)
    {
        text.Append(previousHash);
        text.Field(KeyId);
        text.Field(sequence);
        text.Field(RequestId);
        text.Field(UserId);
        text.Field(TeamId);
        text.Field(Model);
        text.Field(Provider);
        text.Field(Endpoint);
        text.Field(Streaming);
        text.Field(InputTokens);
        text.Field(OutputTokens);
        text.Field(CachedInputTokens);
        text.Field(UsageReported);
        text.Field(ReservedMicros);
        text.Field(CostMicros);
        text.Field(PriceInputMicrosPerMTok);
        text.Field(PriceOutputMicrosPerMTok);
        text.Field(PriceCachedMicrosPerMTok);
        text.Field(HttpStatus);
        text.Field(Outcome);
        text.Field(Denial);
        text.Field(Error);
        text.Field(LatencyMs);
        text.Field(FrontendInstance);
        text.Field(Region);
        text.Field(ClientAddress);
        text.Field(StartedAt.UtcTicks);
        text.Field(RecordedAt.UtcTicks);

        // Rows standing for one request hash as they always have, so older chains still verify.
        if (Count != 1)
        {
            text.Field(Count);
        }

        // Named, so it can never be read as a count; the cache-write and reasoning columns came later
        // too: named, and only when not 0, like this one.
        text.Named("over", OverReservationMicros);
        text.Named("w5m", CacheWrite5mTokens);
        text.Named("w1h", CacheWrite1hTokens);
        text.Named("reasoning", ReasoningTokens);
        text.Named("pw5m", PriceCacheWrite5mMicrosPerMTok);
        text.Named("pw1h", PriceCacheWrite1hMicrosPerMTok);
        if (Upstream is not null)
        {
            text.Field("upstream:");
            text.Append(Upstream);
            text.Field("attempts:");
            text.Append(Attempts);
        }
    }

    /// <summary>The row in the form given: <see cref="LedgerRowForm.Compact"/> (the default) or one column per field.</summary>
    public TableEntity ToEntity(LedgerRowForm form = LedgerRowForm.Compact)
    {
        var columns = ToColumnsEntity();
        if (form == LedgerRowForm.Columns)
        {
            return columns;
        }

        var compact = new TableEntity(columns.PartitionKey, columns.RowKey);
        foreach (var name in CompactColumns)
        {
            compact[name] = columns[name];
        }

        compact[DetailColumn] = JsonSerializer.Serialize(Detail(), LedgerRowDetailJson.Default.LedgerRowDetail);
        return compact;
    }

    private static readonly string[] CompactColumns = ["RequestId", "UserId", "TeamId", "KeyId", "Model", "Outcome", "CostMicros", "StartedAt", "RecordedAt", "Sequence", "Hash"];

    /// <summary>
    /// The compact form's columns: what audit queries filter on (model, outcome, request id, when
    /// recorded), what the journal is read by (key, user, team, start, sequence), what a chain check
    /// reads alone (hash) and the cost. The rest is the one JSON property <see cref="DetailColumn"/>.
    /// </summary>
    internal const string DetailColumn = "D";

    private LedgerRowDetail Detail() => new()
    {
        P = Provider,
        E = Endpoint,
        S = Streaming,
        In = InputTokens,
        Out = OutputTokens,
        Ci = CachedInputTokens,
        U = UsageReported,
        R = ReservedMicros,
        Pi = PriceInputMicrosPerMTok,
        Po = PriceOutputMicrosPerMTok,
        Pc = PriceCachedMicrosPerMTok,
        Pw5 = PriceCacheWrite5mMicrosPerMTok,
        Pw1 = PriceCacheWrite1hMicrosPerMTok,
        H = HttpStatus,
        Dn = Denial,
        Er = Error,
        L = LatencyMs,
        F = FrontendInstance,
        G = Region,
        C = ClientAddress,
        Ph = PreviousHash,
        Hs = HashScheme,
        N = Count == 1 ? null : Count,
        Ov = OverReservationMicros,
        W5 = CacheWrite5mTokens,
        W1 = CacheWrite1hTokens,
        Rs = ReasoningTokens,
        Up = Upstream,
        A = Attempts,
    };

    /// <summary>The row with one column per field, as every row was written before the compact form.</summary>
    private TableEntity ToColumnsEntity() => new(KeyId, TableKeys.Sequence(Sequence))
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

    /// <summary>How many properties <see cref="ToEntity"/> holds at most, in the form given, for sizing a transaction's body (the compact form's JSON counted as several).</summary>
    internal static int PropertyCount(LedgerRowForm form) => form == LedgerRowForm.Columns ? 40 : 18;

    /// <summary>
    /// The properties of <see cref="ToEntity"/> in the form given, in its order, written straight as
    /// the Table service's JSON (nulls, and the later columns at 0, left out as there): what a
    /// transaction body carries.
    /// </summary>
    internal void WriteProperties(Utf8JsonWriter json, LedgerRowForm form)
    {
        if (form == LedgerRowForm.Columns)
        {
            WriteColumns(json);
            return;
        }

        WriteWhose(json);
        EntityJson.String(json, "Outcome"u8, Outcome);
        EntityJson.Int64(json, "CostMicros"u8, CostMicros);
        EntityJson.Time(json, "StartedAt"u8, StartedAt.UtcDateTime);
        EntityJson.Time(json, "RecordedAt"u8, RecordedAt.UtcDateTime);
        EntityJson.Int64(json, "Sequence"u8, Sequence);
        EntityJson.String(json, "Hash"u8, Hash);
        json.WriteString("D"u8, JsonSerializer.SerializeToUtf8Bytes(Detail(), LedgerRowDetailJson.Default.LedgerRowDetail));
    }

    /// <summary>The first columns of either form: whose request, and for which model.</summary>
    private void WriteWhose(Utf8JsonWriter json)
    {
        EntityJson.String(json, "RequestId"u8, RequestId);
        EntityJson.String(json, "UserId"u8, UserId);
        EntityJson.String(json, "TeamId"u8, TeamId);
        EntityJson.String(json, "KeyId"u8, KeyId);
        EntityJson.String(json, "Model"u8, Model);
    }

    private void WriteColumns(Utf8JsonWriter json)
    {
        WriteWhose(json);
        EntityJson.String(json, "Provider"u8, Provider);
        EntityJson.String(json, "Endpoint"u8, Endpoint);
        json.WriteBoolean("Streaming"u8, Streaming);
        EntityJson.Int64(json, "InputTokens"u8, InputTokens);
        EntityJson.Int64(json, "OutputTokens"u8, OutputTokens);
        EntityJson.Int64(json, "CachedInputTokens"u8, CachedInputTokens);
        json.WriteBoolean("UsageReported"u8, UsageReported);
        EntityJson.Int64(json, "ReservedMicros"u8, ReservedMicros);
        EntityJson.Int64(json, "CostMicros"u8, CostMicros);
        EntityJson.Int64(json, "PriceInputMicrosPerMTok"u8, PriceInputMicrosPerMTok);
        EntityJson.Int64(json, "PriceOutputMicrosPerMTok"u8, PriceOutputMicrosPerMTok);
        EntityJson.Int64(json, "PriceCachedMicrosPerMTok"u8, PriceCachedMicrosPerMTok);
        json.WriteNumber("HttpStatus"u8, HttpStatus);
        EntityJson.String(json, "Outcome"u8, Outcome);
        EntityJson.String(json, "Denial"u8, Denial);
        EntityJson.String(json, "Error"u8, Error);
        EntityJson.Int64(json, "LatencyMs"u8, LatencyMs);
        EntityJson.String(json, "FrontendInstance"u8, FrontendInstance);
        EntityJson.String(json, "Region"u8, Region);
        EntityJson.String(json, "ClientAddress"u8, ClientAddress);
        EntityJson.Time(json, "StartedAt"u8, StartedAt.UtcDateTime);
        EntityJson.Time(json, "RecordedAt"u8, RecordedAt.UtcDateTime);
        EntityJson.Int64(json, "Sequence"u8, Sequence);
        EntityJson.String(json, "PreviousHash"u8, PreviousHash);
        EntityJson.String(json, "Hash"u8, Hash);
        EntityJson.String(json, "HashScheme"u8, HashScheme);
        Later(json, "Count"u8, Count, 1);
        Later(json, "OverReservationMicros"u8, OverReservationMicros, 0);
        Later(json, "CacheWrite5mTokens"u8, CacheWrite5mTokens, 0);
        Later(json, "CacheWrite1hTokens"u8, CacheWrite1hTokens, 0);
        Later(json, "ReasoningTokens"u8, ReasoningTokens, 0);
        Later(json, "PriceCacheWrite5mMicrosPerMTok"u8, PriceCacheWrite5mMicrosPerMTok, 0);
        Later(json, "PriceCacheWrite1hMicrosPerMTok"u8, PriceCacheWrite1hMicrosPerMTok, 0);
        EntityJson.String(json, "Upstream"u8, Upstream);
        if (Attempts != 0)
        {
            json.WriteNumber("Attempts"u8, Attempts);
        }

        static void Later(Utf8JsonWriter json, ReadOnlySpan<byte> name, long value, long absent)
        {
            if (value != absent)
            {
                EntityJson.Int64(json, name, value);
            }
        }
    }

    /// <summary>The row for the key's ledger partition, as a transaction writes it (<see cref="ToEntity"/> through the SDK).</summary>
    internal ITableEntity ToLedgerRow(LedgerRowForm form) => new AuditRecordEntity(this, KeyId, TableKeys.Sequence(Sequence), form);

    /// <summary>The row for the journal (<see cref="ToJournalEntity"/>), as a transaction writes it.</summary>
    internal ITableEntity ToJournalRow(string partition, string rowKey, LedgerRowForm form) => new AuditRecordEntity(this, partition, rowKey, form);

    /// <summary>
    /// The row as the journal holds it until it is copied into the key's ledger partition: the key's
    /// journal shard, under its intent's row key (<see cref="JournalRowKey"/>; the request id alone
    /// when none is known, the older form), so it replaces the request's intent in the same write.
    /// </summary>
    public TableEntity ToJournalEntity(string partition, LedgerRowForm form = LedgerRowForm.Compact)
    {
        var entity = ToEntity(form);
        entity.PartitionKey = partition;
        entity.RowKey = JournalRowKey ?? RequestId;
        return entity;
    }

    /// <summary>A settled row read back from the journal (it carries <c>Sequence</c>; an intent does not).</summary>
    public static AuditRecord FromJournalEntity(TableEntity e) => FromEntity(e) with { KeyId = e.GetString("KeyId") ?? "", JournalRowKey = e.RowKey, JournalPartition = e.PartitionKey };

    /// <summary>Whether a journal row is a settled record rather than an intent.</summary>
    public static bool IsSettledJournalRow(TableEntity e) => e.TryGetValue("Sequence", out var sequence) && sequence is not null;

    /// <summary>A row read back, in either form: the compact one (<see cref="DetailColumn"/> present) or one column per field.</summary>
    public static AuditRecord FromEntity(TableEntity e) =>
        e.GetString(DetailColumn) is { } detail ? FromCompact(e, JsonSerializer.Deserialize(detail, LedgerRowDetailJson.Default.LedgerRowDetail) ?? new LedgerRowDetail()) : FromColumns(e);

    private static AuditRecord FromCompact(TableEntity e, LedgerRowDetail d) => FromColumns(e) with
    {
        Provider = d.P ?? "",
        Endpoint = d.E ?? "",
        Streaming = d.S,
        InputTokens = d.In,
        OutputTokens = d.Out,
        CachedInputTokens = d.Ci,
        UsageReported = d.U,
        ReservedMicros = d.R,
        PriceInputMicrosPerMTok = d.Pi,
        PriceOutputMicrosPerMTok = d.Po,
        PriceCachedMicrosPerMTok = d.Pc,
        PriceCacheWrite5mMicrosPerMTok = d.Pw5,
        PriceCacheWrite1hMicrosPerMTok = d.Pw1,
        HttpStatus = d.H,
        Denial = d.Dn,
        Error = d.Er,
        LatencyMs = d.L,
        FrontendInstance = d.F ?? "",
        Region = d.G ?? "",
        ClientAddress = d.C,
        PreviousHash = d.Ph ?? "",
        HashScheme = d.Hs,
        Count = d.N ?? 1,
        OverReservationMicros = d.Ov,
        CacheWrite5mTokens = d.W5,
        CacheWrite1hTokens = d.W1,
        ReasoningTokens = d.Rs,
        Upstream = d.Up,
        Attempts = d.A,
    };

    private static AuditRecord FromColumns(TableEntity e) => new()
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
