using System.Text;
using System.Text.Json;

namespace Gateway.Benchmarks;

/// <summary>Finds the usage block in a chat completion, whole or streamed as server-sent events.</summary>
internal static class UsageReader
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    public static bool TryRead(ReadOnlySpan<byte> body, bool streamed, out TokenUsage usage)
    {
        if (!streamed)
        {
            return TryReadObject(body, out usage);
        }

        // With include_usage the usage rides on the last chunk before [DONE]; every other chunk carries null.
        usage = default;
        var found = false;
        while (!body.IsEmpty)
        {
            var end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            line = line.TrimEnd((byte)'\r');
            if (line.StartsWith(DataPrefix) && line.IndexOf("\"usage\":{"u8) >= 0 && TryReadObject(line[DataPrefix.Length..], out var chunkUsage))
            {
                usage = chunkUsage;
                found = true;
            }
        }

        return found;
    }

    private static bool TryReadObject(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("usage", out var block)
                || block.ValueKind != JsonValueKind.Object
                || !block.TryGetProperty("prompt_tokens", out var prompt)
                || !block.TryGetProperty("completion_tokens", out var completion))
            {
                return false;
            }

            usage = new TokenUsage(prompt.GetInt64(), completion.GetInt64());
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The start of a body, for error reports.</summary>
    public static string Excerpt(ReadOnlySpan<byte> body, int max = 300)
    {
        var text = Encoding.UTF8.GetString(body.Length > max ? body[..max] : body).ReplaceLineEndings(" ");
        return body.Length > max ? text + "…" : text;
    }
}
