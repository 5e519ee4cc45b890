using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Gateway.Storage.Transactions;

namespace Gateway.Storage.Journal;

/// <summary>
/// A request's intent, written before its first byte goes upstream: partition = the journal shard
/// its key hashes to, row key = <c>~{key id}!{request id}</c> (or the request id alone, the older form:
/// <see cref="JournalShards"/>). Settlement retires it; a sweeper settles any that
/// outlive the longest a request may run (outcome <c>unknown</c>, charged at the reserved amount).
/// </summary>
public sealed record IntentEntry
{
    public required string Partition { get; init; }
    public required string RequestId { get; init; }

    /// <summary>The row's key as stored, when read back or chosen when written; null until then (the form the writing process is configured for).</summary>
    public string? RowKey { get; init; }

    public required string KeyId { get; init; }
    public required string UserId { get; init; }

    /// <summary>The team whose budget holds the reservation too, if any.</summary>
    public string? TeamId { get; init; }
    public required string Model { get; init; }
    public required string Provider { get; init; }
    public required string Endpoint { get; init; }
    public bool Streaming { get; init; }
    public long ReservedMicros { get; init; }
    public long EstimatedInputTokens { get; init; }
    public long OutputTokenCeiling { get; init; }
    public long PriceInputMicrosPerMTok { get; init; }
    public long PriceOutputMicrosPerMTok { get; init; }
    public long PriceCachedMicrosPerMTok { get; init; }
    public long PriceCacheWrite5mMicrosPerMTok { get; init; }
    public long PriceCacheWrite1hMicrosPerMTok { get; init; }
    public required string FrontendInstance { get; init; }
    public required string Region { get; init; }
    public string? ClientAddress { get; init; }
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>
    /// The key's newest durable ledger sequence when the intent was written, or -1 when not known (an
    /// intent written before it was recorded). Sequences only grow, so whatever row this request gets
    /// comes after it: looking for that row reads the key's ledger partition from there on (a row-key
    /// range), not the whole of it.
    /// </summary>
    public long ChainSequence { get; init; } = -1;

    /// <summary>The price the request was reserved at, which settles it.</summary>
    public ModelPrice Price => new(PriceInputMicrosPerMTok, PriceOutputMicrosPerMTok, PriceCachedMicrosPerMTok, PriceCacheWrite5mMicrosPerMTok, PriceCacheWrite1hMicrosPerMTok);

    /// <summary>The row's version when read: retiring it deletes that version only, never a settled row that replaced it.</summary>
    public Azure.ETag ETag { get; init; } = Azure.ETag.All;

    /// <summary>
    /// The row: what the journal is queried by (key, user, team, start) as properties, the rest as one
    /// compact JSON property. An intent is written and deleted for every request, so a small row
    /// keeps the storage cost of the hot path down.
    /// </summary>
    public TableEntity ToEntity() => ToEntity(RowKey ?? RequestId);

    /// <summary>The row, under the row key given.</summary>
    public TableEntity ToEntity(string rowKey) => new(Partition, rowKey)
    {
        ["KeyId"] = KeyId,
        ["UserId"] = UserId,
        ["TeamId"] = TeamId,
        ["StartedAt"] = StartedAt,
        ["D"] = JsonSerializer.Serialize(ToPayload(), PayloadJson.Default.Payload),
    };

    /// <summary>
    /// What <see cref="WriteProperties"/> writes, counted for sizing a body: five properties, the payload
    /// as four of them (a few hundred bytes of escaped JSON), so a transaction's buffer is not outgrown.
    /// </summary>
    internal const int PropertyCount = 8;

    /// <summary>
    /// The row's properties as Table JSON, the same names, types and order as <see cref="ToEntity"/>'s,
    /// written straight into a transaction's body (<see cref="IntentRowEntity"/>): no dictionary, and
    /// the payload serialized as UTF-8 rather than as a string first.
    /// </summary>
    internal void WriteProperties(Utf8JsonWriter json)
    {
        EntityJson.String(json, "KeyId"u8, KeyId);
        EntityJson.String(json, "UserId"u8, UserId);
        EntityJson.String(json, "TeamId"u8, TeamId);
        EntityJson.Time(json, "StartedAt"u8, StartedAt.UtcDateTime);
        json.WriteString("D"u8, JsonSerializer.SerializeToUtf8Bytes(ToPayload(), PayloadJson.Default.Payload));
    }

    private Payload ToPayload() => new(Model, Provider, Endpoint, Streaming, ReservedMicros, EstimatedInputTokens, OutputTokenCeiling,
        PriceInputMicrosPerMTok, PriceOutputMicrosPerMTok, PriceCachedMicrosPerMTok, FrontendInstance, Region, ClientAddress,
        PriceCacheWrite5mMicrosPerMTok, PriceCacheWrite1hMicrosPerMTok, ChainSequence >= 0 ? ChainSequence : null);

    public static IntentEntry FromEntity(TableEntity e)
    {
        var d = e.GetString("D") is { } json ? JsonSerializer.Deserialize(json, PayloadJson.Default.Payload) : null;
        return new()
        {
            Partition = e.PartitionKey,
            RequestId = JournalShards.RequestIdOf(e.RowKey),
            RowKey = e.RowKey,
            KeyId = e.GetString("KeyId") ?? "",
            UserId = e.GetString("UserId") ?? "",
            TeamId = e.GetString("TeamId"),
            StartedAt = e.GetDateTimeOffset("StartedAt") ?? default,
            ETag = e.ETag,
            Model = d?.M ?? "",
            Provider = d?.P ?? "",
            Endpoint = d?.E ?? "",
            Streaming = d?.S ?? false,
            ReservedMicros = d?.R ?? 0,
            EstimatedInputTokens = d?.In ?? 0,
            OutputTokenCeiling = d?.Out ?? 0,
            PriceInputMicrosPerMTok = d?.Pi ?? 0,
            PriceOutputMicrosPerMTok = d?.Po ?? 0,
            PriceCachedMicrosPerMTok = d?.Pc ?? 0,

            // An intent from before the cache-write rates: the defaults, never 0 (which would make the writes free).
            PriceCacheWrite5mMicrosPerMTok = d?.W5 ?? ModelPrice.DefaultCacheWrite5m(d?.Pi ?? 0),
            PriceCacheWrite1hMicrosPerMTok = d?.W1 ?? ModelPrice.DefaultCacheWrite1h(d?.Pi ?? 0),
            FrontendInstance = d?.F ?? "",
            Region = d?.G ?? "",
            ClientAddress = d?.C,
            ChainSequence = d?.Q ?? -1,
        };
    }

    internal sealed record Payload(string M, string P, string E, bool S, long R, long In, long Out, long Pi, long Po, long Pc, string F, string G, string? C,
        long? W5 = null, long? W1 = null, long? Q = null);
}

/// <summary>
/// An intent on its way to the journal: it writes its own JSON into the transaction's body
/// (<see cref="IJsonEntity"/>), and through the SDK it is <see cref="IntentEntry.ToEntity"/>.
/// </summary>
internal sealed class IntentRowEntity(IntentEntry entry, string rowKey) : IJsonEntity
{
    public string PartitionKey { get; set; } = entry.Partition;

    public string RowKey { get; set; } = rowKey;

    public DateTimeOffset? Timestamp { get; set; }

    public Azure.ETag ETag { get; set; }

    public int PropertyCount => IntentEntry.PropertyCount;

    public void WriteProperties(Utf8JsonWriter json) => entry.WriteProperties(json);

    public TableEntity ToTableEntity() => entry.ToEntity(RowKey);
}

[JsonSerializable(typeof(IntentEntry.Payload))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class PayloadJson : JsonSerializerContext;
