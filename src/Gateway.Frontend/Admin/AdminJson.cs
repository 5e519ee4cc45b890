using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Reads an admin request body. A body that isn't the JSON object asked for becomes a 400 that names
/// the field and the kind of value it takes, and shows an example; never a .NET type name. Numbers
/// are numbers only (<c>"5"</c> is refused everywhere, as it always was for users and teams), and a
/// property given twice is refused rather than silently taking one of the two values.
/// </summary>
public static class AdminJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>No admin call needs more: the largest, a key with 100 model patterns and a name, is a few KiB.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static async Task<(T? Request, string? Error)> ReadAsync<T>(HttpContext context, string example)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, $"The body must be JSON (Content-Type: application/json), an object like {example}.");
        }

        JsonDocument document;
        try
        {
            var (outcome, bytes, _) = await BoundedBody.ReadAsync(context, MaxBodyBytes);
            if (outcome != BoundedBody.Outcome.Read)
            {
                return (null, outcome == BoundedBody.Outcome.TooLarge
                    ? $"The body is larger than {MaxBodyBytes} bytes; send an object like {example}."
                    : $"The body could not be read (cut short); send an object like {example}.");
            }

            if (StrictJson.FindInvalidText(bytes!) is { } invalid)
            {
                return (null, $"The body is not valid JSON text: {invalid}; send an object like {example}.");
            }

            document = JsonDocument.Parse(bytes!, new JsonDocumentOptions { MaxDepth = StrictJson.MaxDepth });
        }
        catch (JsonException ex)
        {
            return (null, $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}); send an object like {example}.");
        }
        catch (BadHttpRequestException)
        {
            return (null, $"The body could not be read (too large, or cut short); send an object like {example}.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, $"The body must be a JSON object like {example}.");
            }

            if (FindRepeatedProperty(document.RootElement, "") is { } repeated)
            {
                return (null, $"The property '{AdminText.Echo(repeated)}' is given more than once; give each field once.");
            }

            try
            {
                var request = document.Deserialize<T>(Options);
                return request is null ? (null, $"The body must be a JSON object like {example}.") : (request, null);
            }
            catch (JsonException ex)
            {
                return (null, $"{Describe(typeof(T), ex.Path)}; the body should look like {example}.");
            }
        }
    }

    /// <summary>The path of the first property that an object repeats, or null.</summary>
    private static string? FindRepeatedProperty(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in element.EnumerateObject())
            {
                var name = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (!seen.Add(property.Name))
                {
                    return name;
                }

                if (FindRepeatedProperty(property.Value, name) is { } inner)
                {
                    return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (FindRepeatedProperty(item, $"{path}[{i++}]") is { } inner)
                {
                    return inner;
                }
            }
        }

        return null;
    }

    /// <summary>"capUsd must be a number, not text in quotes": the field from the JSON path, the kind from the request type.</summary>
    private static string Describe(Type requestType, string? path)
    {
        // Paths look like "$.capUsd" or "$.models[3]".
        var field = (path ?? "$").TrimStart('$').TrimStart('.');
        var name = field.Split('[', 2)[0];
        var property = requestType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        if (property is null || name.Length == 0)
        {
            return "A field has a value of the wrong kind";
        }

        var type = property.PropertyType;
        if (field.Contains('[', StringComparison.Ordinal) && ElementType(type) is { } element)
        {
            type = element;
        }

        return $"{field} must be {Kind(type)}";
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericArguments() is [var only] ? only
        : null;

    private static string Kind(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type == typeof(int))
        {
            return "a whole number (at most 2147483647; a number, not text in quotes)";
        }

        if (type == typeof(long))
        {
            return "a whole number (a number, not text in quotes)";
        }

        if (type == typeof(decimal) || type == typeof(double))
        {
            return "a number (such as 20 or 12.5, not text in quotes)";
        }

        if (type == typeof(DateTimeOffset))
        {
            return "an ISO-8601 date-time string with 'Z' or an offset, such as \"2027-01-01T00:00:00Z\"";
        }

        return ElementType(type) == typeof(string) ? "an array of strings" : "a value of another kind";
    }
}
