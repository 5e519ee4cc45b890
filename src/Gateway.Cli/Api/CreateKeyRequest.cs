namespace Gateway.Cli.Api;

/// <summary>Body of <c>POST /admin/v1/keys</c>. Null <see cref="Models"/> allows every model.</summary>
internal sealed record CreateKeyRequest(
    string UserId,
    decimal CapUsd,
    string? Name,
    IReadOnlyList<string>? Models);
