using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Cli.Output;

/// <summary>Pretty-prints JSON for <c>--json</c>.</summary>
internal static class JsonText
{
    // The default encoder escapes non-ASCII and characters such as '+' as \uXXXX: still valid JSON,
    // but unreadable to someone looking at a user name; the output is never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Indent(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            document.RootElement.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
