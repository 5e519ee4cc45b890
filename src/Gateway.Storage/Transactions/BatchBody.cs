using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Gateway.Storage.Transactions;

/// <summary>
/// The body of a Table transaction: a <c>multipart/mixed</c> batch holding one change set, with one
/// embedded HTTP request per row, each entity as the Table service's JSON (learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
/// Written in one pass into one buffer.
/// </summary>
internal static class BatchBody
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    /// <summary>Whether every row's properties have a JSON form here; a row that has not goes through the SDK.</summary>
    public static bool CanWrite(IReadOnlyList<TableTransactionAction> actions)
    {
        foreach (var action in actions)
        {
            if (action.Entity is not TableEntity entity)
            {
                return false;
            }

            foreach (var (_, value) in entity)
            {
                if (value is not (null or string or bool or int or long or DateTimeOffset or DateTime or Guid or byte[] or BinaryData or double))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// About the body's size, a little over rather than under: the buffer is sized once instead of
    /// doubling (profiled, the doublings of a 100-row body were 6% of what the gateway allocated).
    /// Per row the part headers and address, and per property its name, value and annotation.
    /// </summary>
    public static int EstimateSize(IReadOnlyList<TableTransactionAction> actions)
    {
        var size = 512;
        foreach (var action in actions)
        {
            size += 448 + (action.Entity is TableEntity entity && action.ActionType != TableTransactionActionType.Delete ? 80 * entity.Count : 0);
        }

        return size;
    }

    /// <summary>Writes the body; returns the batch's boundary, for the request's content type.</summary>
    public static string Write(ArrayBufferWriter<byte> body, string endpoint, string table, IReadOnlyList<TableTransactionAction> actions)
    {
        var id = Guid.NewGuid().ToString("N");
        var batch = "batch_" + id;
        var changeset = "changeset_" + id;
        Line(body, "--" + batch);
        Line(body, "Content-Type: multipart/mixed; boundary=" + changeset);
        Line(body, "");
        using var json = new Utf8JsonWriter(body, new JsonWriterOptions { SkipValidation = true });
        var partStart = "--" + changeset;
        var insertLine = "POST " + endpoint + "/" + table + " HTTP/1.1";
        foreach (var action in actions)
        {
            Line(body, partStart);
            Line(body, "Content-Type: application/http");
            Line(body, "Content-Transfer-Encoding: binary");
            Line(body, "");
            var entity = (TableEntity)action.Entity;
            var (requestLine, etag, hasBody) = action.ActionType switch
            {
                TableTransactionActionType.Add => (insertLine, (ETag?)null, true),
                TableTransactionActionType.UpsertReplace => (RequestLine("PUT", endpoint, table, entity), null, true),
                TableTransactionActionType.UpsertMerge => (RequestLine("MERGE", endpoint, table, entity), null, true),
                TableTransactionActionType.UpdateReplace => (RequestLine("PUT", endpoint, table, entity), action.ETag, true),
                TableTransactionActionType.UpdateMerge => (RequestLine("MERGE", endpoint, table, entity), action.ETag, true),
                TableTransactionActionType.Delete => (RequestLine("DELETE", endpoint, table, entity), action.ETag, false),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Not a Table transaction action."),
            };

            Line(body, requestLine);
            Line(body, "Accept: application/json;odata=minimalmetadata");
            Line(body, "DataServiceVersion: 3.0");
            if (etag is { } version)
            {
                Line(body, "If-Match: " + (version == default ? "*" : version.ToString()));
            }

            if (hasBody)
            {
                Line(body, "Content-Type: application/json");
                Line(body, "Prefer: return-no-content");
                Line(body, "");
                WriteEntity(json, entity);
                json.Flush();
                json.Reset();
                body.Write(Crlf);
            }
            else
            {
                Line(body, "");
            }
        }

        Line(body, "--" + changeset + "--");
        Line(body, "--" + batch + "--");
        return batch;
    }

    /// <summary>One entity: its properties with the <c>@odata.type</c> annotations the service needs to tell an Int64, a date, a GUID or binary from a string.</summary>
    private static void WriteEntity(Utf8JsonWriter json, TableEntity entity)
    {
        json.WriteStartObject();
        json.WriteString("PartitionKey", entity.PartitionKey);
        json.WriteString("RowKey", entity.RowKey);
        foreach (var (name, value) in entity)
        {
            if (IsSystemProperty(name))
            {
                continue;
            }

            switch (value)
            {
                case null:
                    // An absent property is how the service holds a null one.
                    break;
                case string s:
                    json.WriteString(name, s);
                    break;
                case bool b:
                    json.WriteBoolean(name, b);
                    break;
                case int i:
                    json.WriteNumber(name, i);
                    break;
                case long l:
                    WriteInt64(json, name, l);
                    break;
                case double d:
                    if (double.IsFinite(d))
                    {
                        json.WriteNumber(name, d);
                    }
                    else
                    {
                        json.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                    }

                    Annotate(json, name, "Edm.Double"u8);
                    break;
                case DateTimeOffset t:
                    WriteTime(json, name, t.UtcDateTime);
                    break;
                case DateTime t:
                    WriteTime(json, name, t.ToUniversalTime());
                    break;
                case Guid g:
                    json.WriteString(name, g.ToString("D"));
                    Annotate(json, name, "Edm.Guid"u8);
                    break;
                case byte[] bytes:
                    json.WriteBase64String(name, bytes);
                    Annotate(json, name, "Edm.Binary"u8);
                    break;
                case BinaryData data:
                    json.WriteBase64String(name, data.ToMemory().Span);
                    Annotate(json, name, "Edm.Binary"u8);
                    break;
                default:
                    throw new NotSupportedException($"A property of type {value.GetType().Name} has no Table JSON form here (CanWrite should have sent this row through the SDK).");
            }
        }

        json.WriteEndObject();
    }

    /// <summary>The keys, and what a read row carries besides its properties (its timestamp and version), which the service sets itself.</summary>
    private static bool IsSystemProperty(string name) => name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    // Numbers, times and annotation names are formatted on the stack: a settled row has a score of
    // Int64 and time properties, and a string for each value and each annotation's name was most of
    // what writing a batch allocated.
    private static void WriteInt64(Utf8JsonWriter json, string name, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        json.WriteString(name, digits[..written]);
        Annotate(json, name, "Edm.Int64"u8);
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTime utc)
    {
        Span<byte> text = stackalloc byte[32];
        utc.TryFormat(text, out var written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        json.WriteString(name, text[..written]);
        Annotate(json, name, "Edm.DateTime"u8);
    }

    /// <summary>The property's <c>@odata.type</c> annotation: its name and the suffix as UTF-8, on the stack when it fits.</summary>
    private static void Annotate(Utf8JsonWriter json, string name, ReadOnlySpan<byte> type)
    {
        var suffix = "@odata.type"u8;
        var length = Encoding.UTF8.GetMaxByteCount(name.Length) + suffix.Length;
        Span<byte> annotated = length <= 256 ? stackalloc byte[256] : new byte[length];
        var written = Encoding.UTF8.GetBytes(name, annotated);
        suffix.CopyTo(annotated[written..]);
        json.WriteString(annotated[..(written + suffix.Length)], type);
    }

    /// <summary><c>{method} {endpoint}/{table}(PartitionKey='…',RowKey='…') HTTP/1.1</c>, quotes doubled and the keys escaped for a URL.</summary>
    private static string RequestLine(string method, string endpoint, string table, ITableEntity entity) =>
        $"{method} {endpoint}/{table}(PartitionKey='{Uri.EscapeDataString(entity.PartitionKey.Replace("'", "''", StringComparison.Ordinal))}',RowKey='{Uri.EscapeDataString(entity.RowKey.Replace("'", "''", StringComparison.Ordinal))}') HTTP/1.1";

    private static void Line(ArrayBufferWriter<byte> body, string text)
    {
        var span = body.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 2);
        var written = Encoding.UTF8.GetBytes(text, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        body.Advance(written + 2);
    }
}
