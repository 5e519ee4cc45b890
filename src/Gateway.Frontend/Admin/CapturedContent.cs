namespace Gateway.Frontend.Admin;

/// <summary>A captured request: the prompt as sent, and the completion (streamed text, or the response body).</summary>
public sealed record CapturedContent(string KeyId, string RequestId, string Prompt, string Completion);
