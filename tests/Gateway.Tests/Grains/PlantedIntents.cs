using Gateway.Storage.Journal;

namespace Gateway.Tests.Grains;

/// <summary>Intents a test writes into the journal as a silo that died would have left them: model "m" on OpenAI's price of $1/$2 per million, 100 tokens each way, 700 µ$ reserved.</summary>
internal static class PlantedIntents
{
    /// <summary>The intent; its row key is <paramref name="rowKey"/> when given, else the older form (the request id alone).</summary>
    public static IntentEntry Of(string shard, string keyId, string userId, string requestId, DateTimeOffset startedAt, string? rowKey = null) => new()
    {
        Partition = shard, RequestId = requestId, RowKey = rowKey, KeyId = keyId, UserId = userId, Model = "m", Provider = "openai",
        Endpoint = "/v1/chat/completions", FrontendInstance = "fe", Region = "r", StartedAt = startedAt, ReservedMicros = 700,
        EstimatedInputTokens = 100, OutputTokenCeiling = 100, PriceInputMicrosPerMTok = 1_000_000, PriceOutputMicrosPerMTok = 2_000_000,
    };
}
