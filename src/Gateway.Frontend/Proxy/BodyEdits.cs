using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// What the gateway changes in a request body before it goes upstream: the usage chunk asked for
/// (OpenAI streams), the output ceiling stated where the caller left it to the API's default, and the
/// model named as the deployment knows it. The body is rewritten by splicing: every top-level
/// property the gateway leaves alone is copied as the caller's raw bytes, so a conversation of
/// hundreds of kilobytes is copied once and never parsed into a tree or serialized again.
/// </summary>
/// <param name="ForceUsage">Ask for the usage chunk: <c>stream_options.include_usage = true</c>, the caller's other stream options kept.</param>
/// <param name="Ceiling">The output ceiling to state (<see cref="ProxyRoute.MaxTokensField"/>), or null to leave it as the caller sent it.</param>
public sealed record BodyEdits(bool ForceUsage, int? Ceiling)
{
    private const string StreamOptions = "stream_options";
    private const string IncludeUsage = "include_usage";

    /// <summary>Whether the caller asked for the usage chunk itself (so it is not hidden from them).</summary>
    public static bool CallerAskedForUsage(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty(StreamOptions, out var options) && options.ValueKind == JsonValueKind.Object
        && options.TryGetProperty(IncludeUsage, out var asked) && asked.ValueKind == JsonValueKind.True;

    /// <summary>
    /// The bytes to send: <paramref name="bytes"/> itself when nothing changes, else the body with
    /// these edits and <paramref name="model"/> (when not null) in place of the caller's model.
    /// Properties keep their order; one the body lacks is added at the end.
    /// </summary>
    public byte[] Apply(byte[] bytes, JsonElement root, string? model)
    {
        if (!ForceUsage && Ceiling is null && model is null)
        {
            return bytes;
        }

        var output = new ArrayBufferWriter<byte>(bytes.Length + 64);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            bool wroteUsage = false, wroteCeiling = false, wroteModel = false;
            foreach (var property in root.EnumerateObject())
            {
                if (ForceUsage && property.NameEquals(StreamOptions))
                {
                    WriteStreamOptions(writer, property.Value);
                    wroteUsage = true;
                }
                else if (Ceiling is { } ceiling && property.NameEquals(ProxyRoute.MaxTokensField))
                {
                    writer.WriteNumber(ProxyRoute.MaxTokensField, ceiling);
                    wroteCeiling = true;
                }
                else if (model is not null && property.NameEquals("model"))
                {
                    writer.WriteString("model", model);
                    wroteModel = true;
                }
                else
                {
                    WriteRaw(writer, property);
                }
            }

            if (ForceUsage && !wroteUsage)
            {
                WriteStreamOptions(writer, default);
            }

            if (Ceiling is { } missing && !wroteCeiling)
            {
                writer.WriteNumber(ProxyRoute.MaxTokensField, missing);
            }

            if (model is not null && !wroteModel)
            {
                writer.WriteString("model", model);
            }

            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>The caller's stream options, if an object, with <c>include_usage</c> set to true.</summary>
    private static void WriteStreamOptions(Utf8JsonWriter writer, JsonElement options)
    {
        writer.WriteStartObject(StreamOptions);
        if (options.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in options.EnumerateObject())
            {
                if (!property.NameEquals(IncludeUsage))
                {
                    WriteRaw(writer, property);
                }
            }
        }

        writer.WriteBoolean(IncludeUsage, true);
        writer.WriteEndObject();
    }

    /// <summary>A property as the caller wrote it: its name (escapes kept) and its value's raw bytes.</summary>
    private static void WriteRaw(Utf8JsonWriter writer, JsonProperty property)
    {
        var name = JsonMarshal.GetRawUtf8PropertyName(property);
        if (name.IndexOf((byte)'\\') < 0)
        {
            writer.WritePropertyName(name);
        }
        else
        {
            // An escaped name is written from its unescaped form (the writer escapes it again).
            writer.WritePropertyName(property.Name);
        }

        writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(property.Value), skipInputValidation: true);
    }
}
