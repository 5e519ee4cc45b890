using System.Text;
using System.Text.Json;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// The arguments the simulator "decides" to call a function with: a JSON object with a value for
/// every property of the function's <c>parameters</c> schema, by its type (the first <c>enum</c>
/// value where one is given; a few words for a string, a number, <c>true</c>, an empty array or
/// object), seeded from the prompt so the same request always gets the same call.
/// </summary>
internal static class FunctionArguments
{
    public static string For(JsonElement parameters, string seed)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    WriteValue(writer, property.Value, seed + "\n" + property.Name);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement schema, string seed)
    {
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("enum", out var choices)
            && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            choices[0].WriteTo(writer);
            return;
        }

        var type = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "integer" or "number":
                writer.WriteNumberValue((int)(StableHash.Of(seed) % 100));
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "array":
                writer.WriteStartArray();
                writer.WriteEndArray();
                break;
            case "object":
                writer.WriteStartObject();
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue(CompletionText.Generate(seed, 3, maxTokens: null).Text.TrimEnd('.'));
                break;
        }
    }
}
