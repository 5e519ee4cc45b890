using System.Text.Json.Serialization;

namespace Gateway.Cli.Api;

/// <summary>
/// Body of <c>POST /admin/v1/keys</c>. Null <see cref="Models"/> allows every model. A null
/// <see cref="Period"/> (<c>none</c>, <c>daily</c>, <c>weekly</c> or <c>monthly</c>) is left out of
/// the body, so the gateway applies its default (<c>none</c>).
/// </summary>
internal sealed record CreateKeyRequest(
    string UserId,
    decimal CapUsd,
    string? Name,
    IReadOnlyList<string>? Models,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Period = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MaxRequestUsd = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MaxInputTokens = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MaxConcurrent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? VelocityUsdPerHour = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? VelocityMultiple = null);
