using System.Text.Json.Serialization;

namespace Gateway.Cli.Api;

/// <summary>
/// An admin key as the admin API returns it. <see cref="Key"/>, the secret, is present only in the
/// response to create: the gateway stores just its hash.
/// </summary>
internal sealed record AdminKeyDetails(
    string Id,
    string? Key,
    string? Name,
    [property: JsonConverter(typeof(StringOrNumberConverter))] string? Role,
    DateTimeOffset? CreatedAt,
    bool Revoked);
