using System.Text;
using System.Text.Json;

namespace Gateway.Storage.Transactions;

/// <summary>
/// The reply to a Table transaction: a <c>multipart/mixed</c> body with an embedded HTTP response per
/// operation when all landed, or the one that failed (its status, and an OData error naming the
/// operation's index). Only the status lines are read, and the failed one's error body.
/// </summary>
internal static class BatchReply
{
    private static ReadOnlySpan<byte> StatusLine => "\nHTTP/1.1 "u8;

    public sealed record Failure(int Status, string Code, string Message);

    /// <summary>The first embedded response that is not a success, or null when every operation landed.</summary>
    public static Failure? FirstFailure(ReadOnlySpan<byte> body)
    {
        var rest = body;
        var seen = 0;
        while (true)
        {
            var at = rest.IndexOf(StatusLine);
            if (at < 0)
            {
                // A reply without a single embedded response is not one a transaction gets.
                return seen > 0 ? null : new Failure(502, "UnreadableBatchReply", "The $batch reply held no operation responses.");
            }

            rest = rest[(at + StatusLine.Length)..];
            seen++;
            if (rest.Length < 3 || !TryStatus(rest[..3], out var status))
            {
                return new Failure(502, "UnreadableBatchReply", "A $batch operation response had no status.");
            }

            if (status is >= 200 and < 300)
            {
                continue;
            }

            return Describe(status, rest);
        }
    }

    private static bool TryStatus(ReadOnlySpan<byte> digits, out int status)
    {
        status = 0;
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            status = (status * 10) + (d - '0');
        }

        return true;
    }

    /// <summary>The failed operation's error code and message, from its OData error body (<c>{"odata.error":{"code":…,"message":{"value":…}}}</c>).</summary>
    private static Failure Describe(int status, ReadOnlySpan<byte> response)
    {
        var headersEnd = response.IndexOf("\r\n\r\n"u8);
        var json = headersEnd < 0 ? [] : response[(headersEnd + 4)..];
        var end = json.IndexOf("\r\n--"u8);
        if (end >= 0)
        {
            json = json[..end];
        }

        var statusLineEnd = response.IndexOf("\r\n"u8);
        var reason = statusLineEnd > 4 ? Encoding.UTF8.GetString(response[4..statusLineEnd]) : "";
        return ErrorOf(status, json, $"A $batch operation failed: {status} {reason}".TrimEnd());
    }

    /// <summary>A refusal's code and message from its OData error body, or <paramref name="otherwise"/> as the message when it has none.</summary>
    public static Failure ErrorOf(int status, ReadOnlySpan<byte> json, string otherwise)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (JsonDocument.TryParseValue(ref reader, out var document))
            {
                using (document)
                {
                    if (document.RootElement.TryGetProperty("odata.error", out var error))
                    {
                        var code = error.TryGetProperty("code", out var c) ? c.GetString() ?? "" : "";
                        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v)
                            ? v.GetString() ?? ""
                            : "";
                        return new Failure(status, code, message.Length > 0 ? message : code);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the status alone says what failed.
        }

        return new Failure(status, "", otherwise);
    }
}
