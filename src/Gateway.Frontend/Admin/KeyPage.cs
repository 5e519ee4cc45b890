namespace Gateway.Frontend.Admin;

/// <summary>A page of keys in key-id order; pass <see cref="NextCursor"/> as <c>cursor</c> for the next page.</summary>
public sealed record KeyPage(IReadOnlyList<KeyResponse> Items, string? NextCursor);
