namespace Gateway.Cli.Api;

/// <summary>
/// A decoded response together with the body exactly as received, so <c>--json</c> shows
/// fields this CLI version does not know about yet.
/// </summary>
internal sealed record ApiResponse<T>(T Value, string RawJson);
