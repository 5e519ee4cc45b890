using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;

namespace Gateway.Storage.Transactions;

/// <summary>
/// An entity's properties as the Table service's JSON: each value, with the <c>@odata.type</c>
/// annotation the service needs to tell an Int64, a date, a GUID or binary from a string. Names are
/// UTF-8, so a row that writes itself (<see cref="IJsonEntity"/>) passes its names as literals.
/// Numbers, times and annotation names are formatted on the stack: a settled row has a score of
/// Int64 and time properties, and a string for each value and each annotation's name was most of
/// what writing a batch allocated.
/// </summary>
internal static class EntityJson
{
    /// <summary>A string property; nothing for null (an absent property is how the service holds a null one).</summary>
    public static void String(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    public static void Int64(Utf8JsonWriter json, ReadOnlySpan<byte> name, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        json.WriteString(name, digits[..written]);
        Annotate(json, name, "Edm.Int64"u8);
    }

    public static void Time(Utf8JsonWriter json, ReadOnlySpan<byte> name, DateTime utc)
    {
        Span<byte> text = stackalloc byte[32];
        utc.TryFormat(text, out var written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        json.WriteString(name, text[..written]);
        Annotate(json, name, "Edm.DateTime"u8);
    }

    /// <summary>Any property of a <see cref="TableEntity"/>, by the type of its value.</summary>
    public static void Property(Utf8JsonWriter json, string name, object? value)
    {
        if (value is null)
        {
            return;
        }

        var length = Encoding.UTF8.GetMaxByteCount(name.Length);
        Span<byte> utf8 = length <= 256 ? stackalloc byte[256] : new byte[length];
        var nameUtf8 = utf8[..Encoding.UTF8.GetBytes(name, utf8)];
        switch (value)
        {
            case string s:
                json.WriteString(nameUtf8, s);
                break;
            case bool b:
                json.WriteBoolean(nameUtf8, b);
                break;
            case int i:
                json.WriteNumber(nameUtf8, i);
                break;
            case long l:
                Int64(json, nameUtf8, l);
                break;
            case double d:
                if (double.IsFinite(d))
                {
                    json.WriteNumber(nameUtf8, d);
                }
                else
                {
                    json.WriteString(nameUtf8, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                }

                Annotate(json, nameUtf8, "Edm.Double"u8);
                break;
            case DateTimeOffset t:
                Time(json, nameUtf8, t.UtcDateTime);
                break;
            case DateTime t:
                Time(json, nameUtf8, t.ToUniversalTime());
                break;
            case Guid g:
                json.WriteString(nameUtf8, g.ToString("D"));
                Annotate(json, nameUtf8, "Edm.Guid"u8);
                break;
            case byte[] bytes:
                json.WriteBase64String(nameUtf8, bytes);
                Annotate(json, nameUtf8, "Edm.Binary"u8);
                break;
            case BinaryData data:
                json.WriteBase64String(nameUtf8, data.ToMemory().Span);
                Annotate(json, nameUtf8, "Edm.Binary"u8);
                break;
            default:
                throw new NotSupportedException($"A property of type {value.GetType().Name} has no Table JSON form here (CanWrite should have sent this row through the SDK).");
        }
    }

    /// <summary>Whether a value has a JSON form here; a row with one that has not goes through the SDK.</summary>
    public static bool CanWrite(object? value) =>
        value is null or string or bool or int or long or DateTimeOffset or DateTime or Guid or byte[] or BinaryData or double;

    /// <summary>The property's <c>@odata.type</c> annotation: its name and the suffix, on the stack when it fits.</summary>
    private static void Annotate(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> type)
    {
        var suffix = "@odata.type"u8;
        var length = name.Length + suffix.Length;
        Span<byte> annotated = length <= 256 ? stackalloc byte[256] : new byte[length];
        name.CopyTo(annotated);
        suffix.CopyTo(annotated[name.Length..]);
        json.WriteString(annotated[..length], type);
    }
}
