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
        foreach (var action in actions)
        {
            Line(body, "--" + changeset);
            Line(body, "Content-Type: application/http");
            Line(body, "Content-Transfer-Encoding: binary");
            Line(body, "");
            var entity = (TableEntity)action.Entity;
            var (method, address, etag, hasBody) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", endpoint + "/" + table, (ETag?)null, true),
                TableTransactionActionType.UpsertReplace => ("PUT", EntityAddress(endpoint, table, entity), null, true),
                TableTransactionActionType.UpsertMerge => ("MERGE", EntityAddress(endpoint, table, entity), null, true),
                TableTransactionActionType.UpdateReplace => ("PUT", EntityAddress(endpoint, table, entity), action.ETag, true),
                TableTransactionActionType.UpdateMerge => ("MERGE", EntityAddress(endpoint, table, entity), action.ETag, true),
                TableTransactionActionType.Delete => ("DELETE", EntityAddress(endpoint, table, entity), action.ETag, false),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Not a Table transaction action."),
            };

            Line(body, method + " " + address + " HTTP/1.1");
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
                    json.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                    Annotate(json, name, "Edm.Int64");
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

                    Annotate(json, name, "Edm.Double");
                    break;
                case DateTimeOffset t:
                    json.WriteString(name, t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
                    Annotate(json, name, "Edm.DateTime");
                    break;
                case DateTime t:
                    json.WriteString(name, t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
                    Annotate(json, name, "Edm.DateTime");
                    break;
                case Guid g:
                    json.WriteString(name, g.ToString("D"));
                    Annotate(json, name, "Edm.Guid");
                    break;
                case byte[] bytes:
                    json.WriteBase64String(name, bytes);
                    Annotate(json, name, "Edm.Binary");
                    break;
                case BinaryData data:
                    json.WriteBase64String(name, data.ToMemory().Span);
                    Annotate(json, name, "Edm.Binary");
                    break;
                default:
                    throw new NotSupportedException($"A property of type {value.GetType().Name} has no Table JSON form here (CanWrite should have sent this row through the SDK).");
            }
        }

        json.WriteEndObject();
    }

    /// <summary>The keys, and what a read row carries besides its properties (its timestamp and version), which the service sets itself.</summary>
    private static bool IsSystemProperty(string name) => name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    private static void Annotate(Utf8JsonWriter json, string name, string type) => json.WriteString(name + "@odata.type", type);

    /// <summary><c>{endpoint}/{table}(PartitionKey='…',RowKey='…')</c>, quotes doubled and the keys escaped for a URL.</summary>
    private static string EntityAddress(string endpoint, string table, ITableEntity entity) =>
        $"{endpoint}/{table}(PartitionKey='{Uri.EscapeDataString(entity.PartitionKey.Replace("'", "''", StringComparison.Ordinal))}',RowKey='{Uri.EscapeDataString(entity.RowKey.Replace("'", "''", StringComparison.Ordinal))}')";

    private static void Line(ArrayBufferWriter<byte> body, string text)
    {
        var span = body.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 2);
        var written = Encoding.UTF8.GetBytes(text, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        body.Advance(written + 2);
    }
}
