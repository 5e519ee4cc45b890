using System.Text.Json;

namespace Gateway.Cli.Output;

/// <summary>
/// Audit rows as CSV (RFC 4180): a header row, then one record per row, fields that hold a comma, a
/// double quote, CR or LF in double quotes with inner quotes doubled, records ended by CRLF. Values
/// are written exactly as the gateway sent them (nothing is escaped for spreadsheets, which would
/// change the data); money is micro-dollars, and <c>costUsd</c> their exact dollar value with six decimals.
/// </summary>
internal static class AuditCsv
{
    private const string CostUsd = "costUsd";

    /// <summary>The columns: each a property of the gateway's audit rows, except <see cref="CostUsd"/>, derived from <c>costMicros</c>.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "recordedAt", "requestId", "keyId", "sequence", "userId", "teamId", "model", "provider", "endpoint", "streaming",
        "outcome", "denial", "httpStatus", "inputTokens", "outputTokens", "cachedInputTokens", "cacheWrite5mTokens", "cacheWrite1hTokens", "reasoningTokens", "usageReported",
        "reservedMicros", "costMicros", CostUsd, "overReservationMicros",
        "priceInputMicrosPerMTok", "priceOutputMicrosPerMTok", "priceCachedMicrosPerMTok",
        "priceCacheWrite5mMicrosPerMTok", "priceCacheWrite1hMicrosPerMTok",
        "count", "latencyMs", "upstream", "attempts", "startedAt", "frontendInstance", "region", "clientAddress", "error",
    ];

    public static void WriteHeader(TextWriter output) => WriteRecord(output, Columns);

    public static void WriteRow(TextWriter output, JsonElement row) =>
        WriteRecord(output, Columns.Select(column => column == CostUsd ? Cost(row) : Value(row, column)));

    /// <summary>One field, quoted when RFC 4180 requires it.</summary>
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void WriteRecord(TextWriter output, IEnumerable<string> fields)
    {
        output.Write(string.Join(',', fields.Select(Field)));
        output.Write("\r\n");
    }

    private static string Value(JsonElement row, string property)
    {
        if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(property, out var value))
        {
            return "";
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => value.GetRawText(),
        };
    }

    private static string Cost(JsonElement row) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty("costMicros", out var micros) && micros.TryGetInt64(out var value)
            ? MicroDollars.Exact(value)
            : "";
}
