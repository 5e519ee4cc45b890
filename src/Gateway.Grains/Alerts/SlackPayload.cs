using System.Text;
using System.Text.Json;

namespace Gateway.Grains.Alerts;

/// <summary>The body of a Slack-compatible incoming webhook: <c>{"text": "…"}</c>.</summary>
internal static class SlackPayload
{
    public static byte[] Create(string text)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("text", Escape(text));
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Slack reads <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> as control characters; only those three are escaped.</summary>
    private static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>") < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
