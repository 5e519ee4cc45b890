using Azure.Data.Tables;

namespace Gateway.Storage.Journal;

/// <summary>
/// A request's intent, written before its first byte goes upstream: partition = the silo journal
/// it was recorded in, row key = request id. Settlement retires it; a sweeper settles any that
/// outlive the longest a request may run (outcome <c>unknown</c>, charged at the reserved amount).
/// </summary>
public sealed record IntentEntry
{
    public required string Partition { get; init; }
    public required string RequestId { get; init; }
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
    public required string FrontendInstance { get; init; }
    public required string Region { get; init; }
    public string? ClientAddress { get; init; }
    public DateTimeOffset StartedAt { get; init; }

    public TableEntity ToEntity() => new(Partition, RequestId)
    {
        ["KeyId"] = KeyId,
        ["UserId"] = UserId,
        ["TeamId"] = TeamId,
        ["Model"] = Model,
        ["Provider"] = Provider,
        ["Endpoint"] = Endpoint,
        ["Streaming"] = Streaming,
        ["ReservedMicros"] = ReservedMicros,
        ["EstimatedInputTokens"] = EstimatedInputTokens,
        ["OutputTokenCeiling"] = OutputTokenCeiling,
        ["PriceInputMicrosPerMTok"] = PriceInputMicrosPerMTok,
        ["PriceOutputMicrosPerMTok"] = PriceOutputMicrosPerMTok,
        ["PriceCachedMicrosPerMTok"] = PriceCachedMicrosPerMTok,
        ["FrontendInstance"] = FrontendInstance,
        ["Region"] = Region,
        ["ClientAddress"] = ClientAddress,
        ["StartedAt"] = StartedAt,
    };

    public static IntentEntry FromEntity(TableEntity e) => new()
    {
        Partition = e.PartitionKey,
        RequestId = e.RowKey,
        KeyId = e.GetString("KeyId") ?? "",
        UserId = e.GetString("UserId") ?? "",
        TeamId = e.GetString("TeamId"),
        Model = e.GetString("Model") ?? "",
        Provider = e.GetString("Provider") ?? "",
        Endpoint = e.GetString("Endpoint") ?? "",
        Streaming = e.GetBoolean("Streaming") ?? false,
        ReservedMicros = e.GetInt64("ReservedMicros") ?? 0,
        EstimatedInputTokens = e.GetInt64("EstimatedInputTokens") ?? 0,
        OutputTokenCeiling = e.GetInt64("OutputTokenCeiling") ?? 0,
        PriceInputMicrosPerMTok = e.GetInt64("PriceInputMicrosPerMTok") ?? 0,
        PriceOutputMicrosPerMTok = e.GetInt64("PriceOutputMicrosPerMTok") ?? 0,
        PriceCachedMicrosPerMTok = e.GetInt64("PriceCachedMicrosPerMTok") ?? 0,
        FrontendInstance = e.GetString("FrontendInstance") ?? "",
        Region = e.GetString("Region") ?? "",
        ClientAddress = e.GetString("ClientAddress"),
        StartedAt = e.GetDateTimeOffset("StartedAt") ?? default,
    };
}
