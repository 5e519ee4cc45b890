namespace Gateway.Simulator.Tests;

/// <param name="Event">The <c>event:</c> line before the data, if any (Anthropic sends one, OpenAI does not).</param>
/// <param name="Data">The text after <c>data: </c>.</param>
internal sealed record SseEvent(string? Event, string Data);
