namespace Gateway.Cli.Api;

/// <summary>
/// Response of <c>GET /admin/v1/keys</c>: one page of keys in key-id order. A non-null
/// <see cref="NextCursor"/>, passed back as <c>cursor</c>, fetches the next page.
/// </summary>
internal sealed record KeyPage(IReadOnlyList<KeyDetails>? Items, string? NextCursor);
