using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <param name="Events">Every complete event received.</param>
/// <param name="Failure">How reading ended if the connection broke, null if the stream ended cleanly.</param>
internal sealed record SseResult(IReadOnlyList<SseEvent> Events, Exception? Failure)
{
    public bool HasDone => Events.Any(e => e.Data == "[DONE]");

    /// <summary>The JSON payloads, without OpenAI's [DONE] sentinel.</summary>
    public IReadOnlyList<JsonNode> Json => Events.Where(e => e.Data != "[DONE]").Select(e => JsonNode.Parse(e.Data)!).ToArray();

    public static async Task<SseResult> ReadAsync(HttpResponseMessage response)
    {
        var events = new List<SseEvent>();
        Exception? failure = null;
        string? eventName = null;
        try
        {
            using var stream = await response.Content.ReadAsStreamAsync();
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    eventName = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add(new SseEvent(eventName, line["data: ".Length..]));
                    eventName = null;
                }
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            failure = e;
        }

        return new SseResult(events, failure);
    }
}
